/// A multipart message in one reusable buffer: the frame bodies lie back to back.
/// `send(_: Message)` and `receive(into:)` are the allocation-free path for high message rates:
/// receiving into the same `Message` again allocates nothing once its buffers have grown to
/// fit, as a reused `zmq_msg_t` does. `[[UInt8]]` remains the convenient form.
public struct Message: Equatable, Sendable {
    /// Frame bodies back to back in the first `usedBytes` bytes. Emptying the message only
    /// resets the counts (Array's own removeAll costs more than a small message's copy).
    private var storage: [UInt8] = []
    private var usedBytes = 0
    /// End offset of each frame in the first `usedFrames` entries.
    private var ends: [Int] = []
    private var usedFrames = 0

    public init() {}

    public init(_ frames: [[UInt8]]) {
        for frame in frames { append(frame) }
    }

    /// Number of frames.
    public var count: Int { usedFrames }
    public var isEmpty: Bool { usedFrames == 0 }

    /// The body of frame `index` (a view of the buffer: no copy).
    public subscript(index: Int) -> ArraySlice<UInt8> {
        precondition(index >= 0 && index < usedFrames, "frame index \(index) out of range 0..<\(usedFrames)")
        return storage[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    /// The frames as separate arrays (copies).
    public var frames: [[UInt8]] { (0..<count).map { Array(self[$0]) } }

    public mutating func append(_ frame: [UInt8]) {
        frame.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ frame: UnsafeRawBufferPointer) {
        let needed = usedBytes + frame.count
        if needed > storage.count { grow(to: needed) }
        if !frame.isEmpty {
            storage.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[usedBytes..<needed]).copyMemory(from: frame) }
        }
        usedBytes = needed
        if usedFrames == ends.count {
            ends.append(needed)
        } else {
            ends[usedFrames] = needed
        }
        usedFrames += 1
    }

    /// Empties the message, keeping its buffers for the next one.
    public mutating func removeAll() {
        usedBytes = 0
        usedFrames = 0
    }

    public static func == (a: Message, b: Message) -> Bool {
        a.usedFrames == b.usedFrames && a.ends[0..<a.usedFrames] == b.ends[0..<b.usedFrames]
            && a.storage[0..<a.usedBytes] == b.storage[0..<b.usedBytes]
    }

    /// Calls `body` with each frame from `first` on, where it lies.
    func forEachFrame(from first: Int, _ body: (UnsafeRawBufferPointer, _ last: Bool) -> Void) {
        storage.withUnsafeBytes { raw in
            for index in first..<usedFrames {
                let start = index == 0 ? 0 : ends[index - 1]
                body(UnsafeRawBufferPointer(rebasing: raw[start..<ends[index]]), index == usedFrames - 1)
            }
        }
    }

    private mutating func grow(to needed: Int) {
        let capacity = Swift.max(needed, 2 * storage.count, 64)
        var grown = [UInt8](repeating: 0, count: capacity)
        if usedBytes > 0 {
            grown.withUnsafeMutableBytes { dst in
                storage.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: dst[0..<usedBytes]).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<usedBytes])) }
            }
        }
        storage = grown
    }
}
