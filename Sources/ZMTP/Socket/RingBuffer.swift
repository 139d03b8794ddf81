/// A growable FIFO with O(1) push and pop at both needed ends; pipes and queues use it.
struct RingBuffer<Element> {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    var first: Element? { count > 0 ? storage[head] : nil }

    mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        var element: Element?
        swap(&element, &storage[head])  // moves the element out: no retain/release pair
        head = (head + 1) % storage.count
        count -= 1
        if count == 0 { head = 0 }
        return element
    }

    mutating func removeAll() {
        storage = []
        head = 0
        count = 0
    }

    private mutating func grow() {
        let newCapacity = Swift.max(16, storage.count * 2)
        var next = [Element?](repeating: nil, count: newCapacity)
        for i in 0..<count { next[i] = storage[(head + i) % storage.count] }
        storage = next
        head = 0
    }
}
