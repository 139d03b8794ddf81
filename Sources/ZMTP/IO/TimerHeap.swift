/// The event loop's timers: a binary min-heap ordered by (deadline, id), so timers with the
/// same deadline fire in the order they were scheduled. Each entry's heap position is indexed
/// by id, which makes cancel O(log n) and frees the cancelled closure at once (heartbeat
/// timers are re-armed per message; lazy deletion would pile them up until their deadlines).
struct TimerHeap {
    struct Entry {
        let deadline: UInt64
        let id: UInt64
        let body: () -> Void
    }

    private var entries: [Entry] = []
    private var positions: [UInt64: Int] = [:]
    /// The id the next inserted timer gets; ids only grow.
    private(set) var nextID: UInt64 = 0

    var count: Int { entries.count }
    var earliestDeadline: UInt64? { entries.first?.deadline }

    mutating func insert(deadline: UInt64, body: @escaping () -> Void) -> UInt64 {
        let id = nextID
        nextID += 1
        entries.append(Entry(deadline: deadline, id: id, body: body))
        positions[id] = entries.count - 1
        siftUp(entries.count - 1)
        return id
    }

    /// Removes a pending timer; false when it already fired or was cancelled.
    @discardableResult
    mutating func remove(id: UInt64) -> Bool {
        guard let index = positions[id] else { return false }
        removeEntry(at: index)
        return true
    }

    /// Pops the earliest timer if it is due at `now` and was scheduled before `idLimit`.
    /// The limit keeps timers that fired timers schedule for "now" out of the current round.
    mutating func popDue(now: UInt64, idLimit: UInt64) -> Entry? {
        guard let first = entries.first, first.deadline <= now, first.id < idLimit else { return nil }
        return removeEntry(at: 0)
    }

    @discardableResult
    private mutating func removeEntry(at index: Int) -> Entry {
        let removed = entries[index]
        positions[removed.id] = nil
        let last = entries.removeLast()
        if index < entries.count {
            entries[index] = last
            positions[last.id] = index
            siftUp(index)
            siftDown(positions[last.id]!)
        }
        return removed
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        let x = entries[a], y = entries[b]
        return x.deadline != y.deadline ? x.deadline < y.deadline : x.id < y.id
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        entries.swapAt(a, b)
        positions[entries[a].id] = a
        positions[entries[b].id] = b
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, precedes(left, smallest) { smallest = left }
            if right < entries.count, precedes(right, smallest) { smallest = right }
            if smallest == parent { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }
}
