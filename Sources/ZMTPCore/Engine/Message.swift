/// A multipart message in one reusable buffer, for sending and receiving without allocating.
///
/// Small frame bodies lie back to back in the buffer; large ones (32 KiB and up) are kept as the
/// arrays they arrived in, so they are never copied.
/// `send(_: Message)` and `receive(into:)` are the allocation-free path for high message rates:
/// receiving into the same `Message` again allocates nothing once its buffers have grown to
/// fit, as a reused `zmq_msg_t` does. `[[UInt8]]` remains the convenient form.
public struct Message: Equatable, Sendable {
    /// Where a frame's body is: `storage[start..<end]`, or `held[end]` when `start` is -1.
    private struct Span {
        var start: Int
        var end: Int
    }

    /// Small bodies back to back in the first `usedBytes` bytes. Emptying the message only
    /// resets the counts (Array's own removeAll costs more than a small message's copy).
    private var storage: [UInt8] = []
    private var usedBytes = 0
    /// One span per frame in the first `usedFrames` entries.
    private var spans: [Span] = []
    private var usedFrames = 0
    private var held: [[UInt8]] = []
    /// The properties of the connection a received message came from (user id, peer address);
    /// nil for a message the application built. Not part of equality. (A connecting socket
    /// keeps the messages of a lost connection queued: those still unread when it reconnects
    /// carry the new connection's properties.)
    public package(set) var properties: MessageProperties?

    /// An empty message.
    public init() {}

    /// A message holding a copy of `frames`.
    public init(_ frames: [[UInt8]]) {
        for frame in frames { append(frame) }
    }

    /// Number of frames.
    public var count: Int { usedFrames }
    /// Whether the message has no frames.
    public var isEmpty: Bool { usedFrames == 0 }

    /// The body of frame `index` (a view: no copy).
    public subscript(index: Int) -> ArraySlice<UInt8> {
        precondition(index >= 0 && index < usedFrames, "frame index \(index) out of range 0..<\(usedFrames)")
        let span = spans[index]
        return span.start < 0 ? held[span.end][...] : storage[span.start..<span.end]
    }

    /// The frames as separate arrays (copies, except for large frames).
    public var frames: [[UInt8]] {
        (0..<usedFrames).map { spans[$0].start < 0 ? held[spans[$0].end] : Array(self[$0]) }
    }

    /// Adds a frame at the end: a large one is kept as the array given, a small one is copied.
    public mutating func append(_ frame: [UInt8]) {
        if frame.count >= FramedMessages.heldSize {
            held.append(frame)
            addSpan(Span(start: -1, end: held.count - 1))
        } else {
            frame.withUnsafeBytes { append($0) }
        }
    }

    /// Adds a frame at the end, copying its bytes.
    public mutating func append(_ frame: UnsafeRawBufferPointer) {
        let needed = usedBytes + frame.count
        if needed > storage.count { grow(to: needed) }
        if !frame.isEmpty {
            storage.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[usedBytes..<needed]).copyMemory(from: frame) }
        }
        addSpan(Span(start: usedBytes, end: needed))
        usedBytes = needed
    }

    /// Takes the large frames' arrays out (the socket reuses them for the next large frames).
    package mutating func takeHeld() -> [[UInt8]] {
        guard !held.isEmpty else { return [] }
        defer { held = [] }
        return held
    }

    /// Empties the message, keeping its buffers for the next one.
    public mutating func removeAll() {
        removeFrames()
        properties = nil
    }

    /// Empties the frames but keeps `properties`, which a receive replaces only when the next
    /// message comes from another connection: a retain and a release fewer per message.
    package mutating func removeFrames() {
        usedBytes = 0
        usedFrames = 0
        if !held.isEmpty { held.removeAll() }
    }

    /// Whether both messages have the same frames, byte for byte.
    public static func == (a: Message, b: Message) -> Bool {
        a.usedFrames == b.usedFrames && (0..<a.usedFrames).allSatisfy { a[$0] == b[$0] }
    }

    /// Queues the frames from `first` on as one whole message (large ones by reference).
    package func append(to queue: inout FramedMessages, from first: Int) {
        storage.withUnsafeBytes { raw in
            for index in first..<usedFrames {
                let span = spans[index]
                let more = index < usedFrames - 1
                if span.start < 0 {
                    queue.appendFrame(held[span.end], more: more)
                } else {
                    queue.appendFrame(UnsafeRawBufferPointer(rebasing: raw[span.start..<span.end]), more: more)
                }
            }
        }
    }

    private mutating func addSpan(_ span: Span) {
        if usedFrames == spans.count {
            spans.append(span)
        } else {
            spans[usedFrames] = span
        }
        usedFrames += 1
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
