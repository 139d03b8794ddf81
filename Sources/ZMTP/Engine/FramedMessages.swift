/// A queue of messages kept in ZMTP's plain frame form (flags, size, body) in one growing byte
/// buffer: the queue between a socket's threads in both directions. Queuing a small frame is a
/// copy of its bytes, with no allocation per message, and a whole queue changes hands by a swap;
/// NULL writes the bytes to the wire as they are. A frame of `heldSize` bytes or more is held by
/// reference instead, so a large body is never copied here.
///
/// Frames after the last whole message belong to a message still arriving: they are neither
/// counted nor popped nor moved until its last frame is appended.
public struct FramedMessages {
    /// Frames at least this large are held by reference.
    static let heldSize = 32 << 10
    /// Marks a frame whose body waits in `held`. ZMTP reserves the bit, so it never reaches the wire.
    static let heldFlag: UInt8 = 0x80

    private(set) var bytes: [UInt8] = []
    /// First unread byte.
    private var start = 0
    /// End of the last whole message.
    private var end = 0
    private var held = RingBuffer<[UInt8]>()
    /// Held bodies that belong to whole messages (the rest belong to the message arriving).
    private var heldWhole = 0
    /// Payload bytes of the message still arriving.
    private var partialPayload = 0

    /// Whole messages queued.
    public private(set) var count = 0
    /// Payload bytes of the whole messages queued (for byte high-water marks).
    private(set) var payloadBytes = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    // MARK: Appending

    /// Appends one frame; `more` false completes the message.
    @inline(__always)
    mutating func appendFrame(_ body: UnsafeRawBufferPointer, more: Bool) {
        WireFrame.append(flags: more ? WireFrame.more : 0, body: body, into: &bytes)
        frameAppended(body.count, more: more)
    }

    /// Appends one frame already in an array: a large one is held, not copied.
    mutating func appendFrame(_ body: [UInt8], more: Bool) {
        guard body.count >= Self.heldSize else { return body.withUnsafeBytes { appendFrame($0, more: more) } }
        bytes.append(Self.heldFlag | (more ? WireFrame.more : 0))
        bytes.append(0)
        held.append(body)
        frameAppended(body.count, more: more)
    }

    /// Appends a whole message.
    mutating func append<Frames: Collection>(_ frames: Frames) where Frames.Element == [UInt8] {
        var left = frames.count
        for frame in frames {
            left -= 1
            appendFrame(frame, more: left > 0)
        }
    }

    @inline(__always)
    private mutating func frameAppended(_ size: Int, more: Bool) {
        partialPayload += size
        guard !more else { return }
        count += 1
        payloadBytes += partialPayload
        partialPayload = 0
        end = bytes.count
        heldWhole = held.count
    }

    // MARK: Taking

    /// Takes the next whole message, with `prefix` (a ROUTER's routing id) as its first frame.
    public mutating func popMessage(prefix: [UInt8]? = nil) -> [[UInt8]]? {
        guard count > 0 else { return nil }
        var first = takeFrame()
        var message: [[UInt8]]
        if !first.more {
            // The common single-frame message: one allocation of the exact size.
            message = prefix.map { [$0, first.body] } ?? [first.body]
        } else {
            message = prefix.map { [$0] } ?? []
            while first.more {
                message.append(first.body)
                first = takeFrame()
            }
            message.append(first.body)
        }
        count -= 1
        if start == end { resetConsumed() }
        return message
    }

    /// Takes the next whole message into `message` (appended), with `prefix` first; false if none.
    mutating func popMessage(into message: inout Message, prefix: [UInt8]?) -> Bool {
        guard count > 0 else { return false }
        if let prefix { message.append(prefix) }
        var more = true
        while more {
            let (flags, headerSize, size) = header(at: start)
            more = flags & WireFrame.more != 0
            if flags & Self.heldFlag != 0 {
                let body = held.popFirst()!
                heldWhole -= 1
                payloadBytes -= body.count
                message.append(body)
                start += headerSize
            } else {
                bytes.withUnsafeBytes { message.append(UnsafeRawBufferPointer(rebasing: $0[(start + headerSize)..<(start + headerSize + size)])) }
                payloadBytes -= size
                start += headerSize + size
            }
        }
        count -= 1
        if start == end { resetConsumed() }
        return true
    }

    /// Reads the frame at `start` (whole messages only) and moves past it.
    private mutating func takeFrame() -> (body: [UInt8], more: Bool) {
        let (flags, headerSize, size) = header(at: start)
        let body: [UInt8]
        if flags & Self.heldFlag != 0 {
            body = held.popFirst()!
            heldWhole -= 1
        } else {
            body = bytes.withUnsafeBytes { copyBytes($0, from: start + headerSize, to: start + headerSize + size) }
        }
        start += headerSize + (flags & Self.heldFlag != 0 ? 0 : size)
        payloadBytes -= body.count
        return (body, flags & WireFrame.more != 0)
    }

    /// Calls `body` with every frame of the whole messages (in order), then empties the queue of
    /// them. A held frame's body is read where it lies, like the others.
    mutating func drainFrames(_ body: (UnsafeRawBufferPointer, _ more: Bool) throws -> Void) rethrows {
        defer { dropWhole() }
        var offset = start
        while offset < end {
            let (flags, headerSize, size) = header(at: offset)
            let more = flags & WireFrame.more != 0
            if flags & Self.heldFlag != 0 {
                try held.popFirst()!.withUnsafeBytes { try body($0, more) }
                heldWhole -= 1
                offset += headerSize
            } else {
                try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[(offset + headerSize)..<(offset + headerSize + size)]), more) }
                offset += headerSize + size
            }
        }
    }

    /// Moves the whole messages to the end of `target` (which has no message arriving); by a
    /// swap when `target` has nothing unread and nothing is held, so the common hand-over
    /// copies no bytes.
    mutating func moveWhole(to target: inout FramedMessages) {
        guard count > 0 else { return }
        if target.start == target.bytes.count, target.held.isEmpty, start == 0, end == bytes.count, heldWhole == 0 {
            swap(&bytes, &target.bytes)
            target.start = 0
            target.end = target.bytes.count
            bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
        } else {
            target.bytes.append(contentsOf: bytes[start..<end])
            target.end = target.bytes.count
            for _ in 0..<heldWhole { target.held.append(held.popFirst()!) }
            target.heldWhole = target.held.count
            removeFront(upTo: end)
        }
        target.count += count
        target.payloadBytes += payloadBytes
        count = 0
        payloadBytes = 0
        heldWhole = 0
        start = 0
        end = 0
    }

    /// Moves the bytes of the whole messages to the end of `output` as they are: the wire form
    /// for NULL. Only valid when nothing is held (`hasHeldFrames` false).
    mutating func moveBytes(to output: inout [UInt8]) {
        precondition(heldWhole == 0 && start == 0 && end == bytes.count)
        if output.isEmpty { swap(&output, &bytes) } else { output.append(contentsOf: bytes) }
        bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
        count = 0
        payloadBytes = 0
        end = 0
    }

    /// Nothing held and nothing partial: `bytes` is exactly the whole messages.
    var isPlainWhole: Bool { held.isEmpty && start == 0 && end == bytes.count }

    /// Drops everything, the message still arriving included.
    mutating func removeAll() {
        self = FramedMessages()
    }

    // MARK: Internals

    /// (flags, header size, body size in the buffer) of the frame at `offset`; written by
    /// `appendFrame`, so it is well formed.
    @inline(__always)
    private func header(at offset: Int) -> (UInt8, Int, Int) {
        bytes.withUnsafeBytes { raw in
            let flags = raw[offset]
            if flags & WireFrame.long == 0 { return (flags, 2, Int(raw[offset + 1])) }
            var size = 0
            for i in 1...8 { size = (size << 8) | Int(raw[offset + i]) }
            return (flags, 9, size)
        }
    }

    private mutating func dropWhole() {
        removeFront(upTo: end)
        count = 0
        payloadBytes = 0
        heldWhole = 0
        start = 0
        end = 0
    }

    /// Removes bytes before `offset`, keeping the message still arriving.
    private mutating func removeFront(upTo offset: Int) {
        if offset == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
        } else {
            bytes.removeFirst(offset)
        }
    }

    /// Everything whole was read: forget it, moving the message still arriving (if any) to the front.
    private mutating func resetConsumed() {
        removeFront(upTo: start)
        start = 0
        end = 0
    }
}
