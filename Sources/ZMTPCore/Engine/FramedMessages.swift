/// A queue of messages kept in ZMTP's plain frame form (flags, size, body) in one growing byte
/// buffer: the queue between a socket's threads in both directions. Queuing a small frame is a
/// copy of its bytes, with no allocation per message, and a whole queue changes hands by a swap;
/// NULL writes the bytes to the wire as they are. A frame of `heldSize` bytes or more is held by
/// reference instead (its header is in the buffer, its body in `held`), so a large body is
/// never copied here.
///
/// Frames after the last whole message belong to a message still arriving: they are neither
/// counted nor popped nor moved until its last frame is appended.
@_spi(Engine) public struct FramedMessages {
    /// Frames at least this large are held by reference.
    package static let heldSize = 32 << 10
    /// Marks a frame whose body waits in `held`. ZMTP reserves the bit, so it never reaches the wire.
    static let heldFlag: UInt8 = 0x80

    private(set) var bytes: [UInt8] = []
    /// First unread byte.
    private var start = 0
    /// End of the last whole message.
    private var end = 0
    /// Held bodies from `heldStart` on, in order. (A plain array read from a start index: a ring
    /// of Optionals made a copy of itself on some mutations.)
    private var held: [[UInt8]] = []
    private var heldStart = 0
    /// Held bodies that belong to whole messages (the rest belong to the message arriving).
    private var heldWhole = 0
    /// Payload bytes of the message still arriving.
    private var partialPayload = 0
    /// Bytes of frames noted by `noteRunFrame` and not yet copied.
    private var pendingRun = 0

    /// Whole messages queued.
    public private(set) var count = 0
    /// Payload bytes of the whole messages queued (for byte high-water marks).
    package private(set) var payloadBytes = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// Nothing held and nothing partial: `bytes` is exactly the whole messages in wire form.
    var isPlainWhole: Bool { heldStart == held.count && start == 0 && end == bytes.count }

    // MARK: Appending

    /// Appends one frame; `more` false completes the message.
    @inline(__always)
    package mutating func appendFrame(_ body: UnsafeRawBufferPointer, more: Bool) {
        WireFrame.append(flags: more ? WireFrame.more : 0, body: body, into: &bytes)
        frameAppended(body.count, more: more)
    }

    /// Appends one frame already in an array: a large one is held, not copied.
    package mutating func appendFrame(_ body: [UInt8], more: Bool) {
        guard body.count >= Self.heldSize else { return body.withUnsafeBytes { appendFrame($0, more: more) } }
        bytes.append(Self.heldFlag | WireFrame.long | (more ? WireFrame.more : 0))
        bytes.appendBE(UInt64(body.count))
        held.append(body)
        frameAppended(body.count, more: more)
    }

    /// Appends `frames[first...]` as a whole message. Not generic: called from other modules, a
    /// generic would run unspecialized, through witness tables, for every frame.
    package mutating func append(_ frames: [[UInt8]], from first: Int = 0) {
        for index in first..<frames.count {
            appendFrame(frames[index], more: index + 1 < frames.count)
        }
    }

    /// Counts a frame that is already in plain wire form in the caller's input, to be copied
    /// with the frames around it by `appendRun` (NULL's receive path). Nothing else may be
    /// appended in between.
    @inline(__always)
    mutating func noteRunFrame(wireSize: Int, payload: Int, more: Bool) {
        pendingRun += wireSize
        partialPayload += payload
        if !more { messageEnded(at: bytes.count + pendingRun) }
    }

    /// Copies the frames counted by `noteRunFrame`: `wire` is exactly those bytes.
    mutating func appendRun(_ wire: UnsafeRawBufferPointer) {
        precondition(wire.count == pendingRun, "appendRun must copy exactly the frames noted")
        bytes.append(contentsOf: wire)
        pendingRun = 0
    }

    @inline(__always)
    private mutating func frameAppended(_ size: Int, more: Bool) {
        partialPayload += size
        if !more { messageEnded(at: bytes.count) }
    }

    /// The message arriving is whole; its bytes end at `offset`.
    @inline(__always)
    private mutating func messageEnded(at offset: Int) {
        count += 1
        payloadBytes += partialPayload
        partialPayload = 0
        end = offset
        heldWhole = held.count - heldStart
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
            // Sized once: growing an array of arrays goes through a slow generic path.
            message = []
            message.reserveCapacity(framesLeft() + 1 + (prefix == nil ? 0 : 1))
            if let prefix { message.append(prefix) }
            while first.more {
                message.append(first.body)
                first = takeFrame()
            }
            message.append(first.body)
        }
        messageTaken()
        return message
    }

    /// Takes the next whole message into `message` (appended), with `prefix` first; false if none.
    package mutating func popMessage(into message: inout Message, prefix: [UInt8]?) -> Bool {
        guard count > 0 else { return false }
        if let prefix { message.append(prefix) }
        var more = true
        while more {
            let frame = advance()
            more = frame.more
            if let held = frame.held {
                message.append(held)
            } else {
                bytes.withUnsafeBytes { message.append(UnsafeRawBufferPointer(rebasing: $0[frame.body])) }
            }
        }
        messageTaken()
        return true
    }

    /// Takes the frame at `start` (whole messages only) as an array.
    private mutating func takeFrame() -> (body: [UInt8], more: Bool) {
        let frame = advance()
        let body = frame.held ?? bytes.withUnsafeBytes { copyBytes($0, from: frame.body.lowerBound, to: frame.body.upperBound) }
        return (body, frame.more)
    }

    /// Moves past the frame at `start` (whole messages only): its MORE flag, and its body,
    /// held or where it lies in `bytes`.
    @inline(__always)
    private mutating func advance() -> (more: Bool, held: [UInt8]?, body: Range<Int>) {
        let (flags, headerSize, size) = header(at: start)
        payloadBytes -= size
        let bodyStart = start + headerSize
        if flags & Self.heldFlag != 0 {
            start = bodyStart
            return (flags & WireFrame.more != 0, takeHeld(), bodyStart..<bodyStart)
        }
        start = bodyStart + size
        return (flags & WireFrame.more != 0, nil, bodyStart..<start)
    }

    /// Frames from `start` to the end of the message they belong to.
    private func framesLeft() -> Int {
        var offset = start, frames = 0
        while true {
            let (flags, headerSize, size) = header(at: offset)
            frames += 1
            if flags & WireFrame.more == 0 { return frames }
            offset += headerSize + (flags & Self.heldFlag != 0 ? 0 : size)
        }
    }

    private mutating func takeHeld() -> [UInt8] {
        heldWhole -= 1
        var body: [UInt8] = []
        swap(&body, &held[heldStart])
        heldStart += 1
        if heldStart == held.count {
            held.removeAll(keepingCapacity: true)
            heldStart = 0
        }
        return body
    }

    private mutating func messageTaken() {
        count -= 1
        if start == end { compact() }
    }

    /// Whether `predicate` holds for the first frame of every whole message, read where it lies:
    /// a SUB keeps a batch that all matches as it is, with no copy per message.
    package func allMessages(firstFrame predicate: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        var offset = start, heldIndex = heldStart, isFirst = true
        while offset < end {
            let (flags, headerSize, size) = header(at: offset)
            let matches: Bool
            if flags & Self.heldFlag != 0 {
                matches = !isFirst || held[heldIndex].withUnsafeBytes(predicate)
                heldIndex += 1
                offset += headerSize
            } else {
                matches = !isFirst || bytes.withUnsafeBytes { predicate(UnsafeRawBufferPointer(rebasing: $0[(offset + headerSize)..<(offset + headerSize + size)])) }
                offset += headerSize + size
            }
            guard matches else { return false }
            isFirst = flags & WireFrame.more == 0
        }
        return true
    }

    /// Calls `body` with every frame of the whole messages (in order), then empties the queue of
    /// them. A held frame's body is read where it lies, like the others.
    mutating func drainFrames(_ body: (UnsafeRawBufferPointer, _ more: Bool) throws -> Void) rethrows {
        defer { dropWhole() }
        while start < end {
            let frame = advance()
            if let held = frame.held {
                try held.withUnsafeBytes { try body($0, frame.more) }
            } else {
                try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[frame.body]), frame.more) }
            }
        }
    }

    /// Moves whole messages to the end of `target` (which has no message arriving). With
    /// nothing held, all of them, by a swap of buffers when `target` is empty, so the common
    /// hand-over copies no bytes. With held frames (large messages), as many as fit in `limit`
    /// bytes of wire form (at least one), so large bodies move a batch at a time.
    package mutating func moveWhole(to target: inout FramedMessages, limit: Int = .max) {
        guard count > 0 else { return }
        let fitsWhole = heldWhole == 0
        if fitsWhole, target.start == target.bytes.count, target.heldStart == target.held.count, start == 0, end == bytes.count {
            swap(&bytes, &target.bytes)
            target.start = 0
            target.end = target.bytes.count
            target.count += count
            target.payloadBytes += payloadBytes
            if !bytes.isEmpty { bytes.empty(afterHolding: bytes.count) }
            count = 0
            payloadBytes = 0
            start = 0
            end = 0
            return
        }
        let cut = fitsWhole ? (offset: end, messages: count, payload: payloadBytes, held: heldWhole) : prefix(fitting: limit)
        target.bytes.append(contentsOf: bytes[start..<cut.offset])
        target.end = target.bytes.count
        for _ in 0..<cut.held { target.held.append(takeHeld()) }
        target.heldWhole = target.held.count - target.heldStart
        target.count += cut.messages
        target.payloadBytes += cut.payload
        count -= cut.messages
        payloadBytes -= cut.payload
        start = cut.offset
        if start == end {
            compact()
        } else if start >= bytes.count / 2 {
            compact()
        }
    }

    /// The longest run of whole messages from `start` within `limit` bytes of wire form (held
    /// bodies count at their size), at least one message.
    private func prefix(fitting limit: Int) -> (offset: Int, messages: Int, payload: Int, held: Int) {
        var cut = (offset: start, messages: 0, payload: 0, held: 0)
        var offset = start, wire = 0, payload = 0, heldFrames = 0
        while offset < end {
            let (flags, headerSize, size) = header(at: offset)
            let isHeld = flags & Self.heldFlag != 0
            offset += headerSize + (isHeld ? 0 : size)
            wire += headerSize + size
            payload += size
            if isHeld { heldFrames += 1 }
            guard flags & WireFrame.more == 0 else { continue }
            if cut.messages > 0 && wire > limit { break }
            cut = (offset, cut.messages + 1, payload, heldFrames)
            if wire >= limit { break }
        }
        return cut
    }

    /// Moves the bytes of the whole messages to the end of `output` as they are: the wire form
    /// for NULL. Only valid when `isPlainWhole`.
    mutating func moveBytes(to output: inout [UInt8]) {
        precondition(isPlainWhole, "moveBytes needs a queue of whole messages with nothing held")
        if output.isEmpty {
            swap(&output, &bytes)  // `bytes` is now the output's emptied buffer
        } else {
            output.append(contentsOf: bytes)
            bytes.empty(afterHolding: bytes.count)
        }
        count = 0
        payloadBytes = 0
        end = 0
    }

    /// Drops everything, the message still arriving included.
    package mutating func removeAll() {
        self = FramedMessages()
    }

    // MARK: Internals

    /// (flags, header size, body size) of the frame at `offset`; written by `appendFrame`, so
    /// it is well formed. A held frame's size is its body's, which is not in the buffer.
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
        while heldWhole > 0 { _ = takeHeld() }  // left by a `drainFrames` body that threw
        start = end
        count = 0
        payloadBytes = 0
        compact()
    }

    /// Removes the bytes before `start` (all that was read), keeping the message still arriving.
    private mutating func compact() {
        if start == bytes.count {
            bytes.empty(afterHolding: bytes.count)
        } else if start > 0 {
            bytes.removeFirst(start)
        }
        end -= start
        start = 0
    }
}
