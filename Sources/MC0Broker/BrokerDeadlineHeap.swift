/// A binary min-heap of client deadlines. Entries are lazy: a client's deadline only moves
/// later as it talks, so its one entry may fire early; `tick` then re-files it at the real
/// deadline. An entry whose ticket no longer matches its client (or whose client is gone)
/// is stale and skipped. This keeps each message O(1) and the heap at one entry per client.
struct BrokerDeadlineHeap {
    struct Entry {
        var deadline: UInt64
        var ticket: UInt64
        var client: BrokerClient

        var isLive: Bool { client.connected && client.ticket == ticket }
    }

    private(set) var entries: [Entry] = []
    private var nextTicket: UInt64 = 0

    var count: Int { entries.count }
    var min: Entry? { entries.first }

    /// Files `client` at `deadline`, making any earlier entry of it stale.
    mutating func schedule(_ client: BrokerClient, at deadline: UInt64) {
        nextTicket &+= 1
        client.ticket = nextTicket
        entries.append(Entry(deadline: deadline, ticket: nextTicket, client: client))
        siftUp(entries.count - 1)
    }

    @discardableResult
    mutating func popMin() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        if !entries.isEmpty { siftDown(0) }
        return top
    }

    /// Pops stale entries off the top so `min` is a live client's deadline.
    mutating func dropStaleTop() {
        while let top = entries.first, !top.isLive { popMin() }
    }

    /// Rebuilds the heap from its live entries (when churn left too many stale ones).
    mutating func compact() {
        entries.removeAll { !$0.isLive }
        for index in stride(from: entries.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < entries.count else { return }
            var smallest = left
            let right = left + 1
            if right < entries.count, entries[right].deadline < entries[left].deadline { smallest = right }
            guard entries[smallest].deadline < entries[parent].deadline else { return }
            entries.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
