/// The ZMTP engine for one connection, with no I/O: the shell feeds it the bytes it reads and
/// the time, and writes what it leaves in the output buffer. Greeting, handshake (through the
/// mechanism), traffic framing, multipart assembly, heartbeats and timeouts all live here, so
/// each rule is testable with byte vectors.
@_spi(Engine) public final class Connection {
    public enum State: Equatable, Sendable { case greeting, handshake, traffic, closed }

    // One thread at a time drives a connection (its loop's, or an application thread that
    // borrowed it through ZMTP's ConnectionLoan, which orders the handoffs), so its state goes
    // without dynamic exclusivity checks, the handshake's too: the compiler hoists those of
    // every path to the top of `consume`, where they cost each read.
    @exclusivity(unchecked) public private(set) var state: State = .greeting
    public let mechanism: SecurityMechanism
    public let options: ConnectionOptions
    /// The peer's greeting once received (tells ZMTP 3.0 from 3.1).
    @exclusivity(unchecked) public private(set) var peerGreeting: Greeting?
    /// Whole handshake steps taken so far (the greeting, then each handshake command), so the
    /// shell can tell a handshake that advances from one that trickles bytes.
    @exclusivity(unchecked) public private(set) var handshakeSteps = 0

    /// Called once when the handshake completes, with the peer's metadata.
    @exclusivity(unchecked) public var onReady: (Metadata) -> Void = { _ in }
    /// Offers an array of at least the given size to hold a large frame instead of a new one
    /// (the shell recycles the bodies an application has finished with: a fresh multi-page
    /// buffer per message costs page faults each time the allocator returns memory).
    public var reuseLargeBody: (Int) -> [UInt8]? = { _ in nil }
    /// Takes back an array made for a large frame that did not come (`receiveAhead`), so that
    /// a connection holds no payload memory while its peer sends nothing.
    public var recycleLargeBody: ([UInt8]) -> Void = { _ in }
    /// Messages received, in order; the shell takes them after each read. The last frames may
    /// belong to a message still arriving (not yet counted).
    @exclusivity(unchecked) public var received = FramedMessages()

    /// Runs `body` on `received` when it holds whole messages; returns how many it held. For
    /// the shell's hot path: `received` goes unchecked only within this module, and another
    /// module's every access to it costs a dynamic exclusivity check.
    public func takeReceived(_ body: (inout FramedMessages) -> Void) -> Int {
        let count = received.count
        if count > 0 { body(&received) }
        return count
    }

    @exclusivity(unchecked) private var output: [UInt8] = []
    @exclusivity(unchecked) private var outputStart = 0
    @exclusivity(unchecked) private var pending: [UInt8] = []
    @exclusivity(unchecked) private var greetingBytes: [UInt8] = []
    /// Our greeting after its first 11 bytes (signature and major version), held until the peer's revision byte says whether
    /// it speaks ZMTP 3 (then it goes) or 2.0 (then the 2.0 greeting's tail goes instead).
    @exclusivity(unchecked) private var greetingRest: [UInt8]?
    /// The peer speaks ZMTP 2.0: no mechanism, its identity frame ends the handshake.
    @exclusivity(unchecked) private var zmtp2Peer = false
    @exclusivity(unchecked) private var handshakeBytes = 0
    /// Payload bytes and frames so far of the message arriving (for the limits).
    @exclusivity(unchecked) private var messageBytes = 0
    @exclusivity(unchecked) private var messageFrames = 0
    /// NULL and PLAIN carry frames as they are: skip the mechanism on the hot path.
    private let passthrough: Bool
    /// Size of the frame waiting for more bytes, so the buffer grows once, not by doubling.
    @exclusivity(unchecked) private var partialFrameSize = 0
    /// A large frame arriving over several reads is assembled in its own array, which the shell
    /// can read into directly (`receiveDirect`), so its bytes are not staged in `pending` first.
    /// Only its payload goes there: the bytes the mechanism puts before it (CURVE's MESSAGE
    /// envelope) are kept apart in `largeEnvelope`, so the payload is opened where it lies and
    /// delivered in that same array.
    @exclusivity(unchecked) private var largeBody: [UInt8] = []
    @exclusivity(unchecked) private var largeFilled = 0
    /// The large frame's payload size; `largeBody` may be shorter and grow as bytes arrive.
    @exclusivity(unchecked) private var largeSize = 0
    @exclusivity(unchecked) private var largeEnvelope: [UInt8] = []
    @exclusivity(unchecked) private var envelopeSize = 0
    @exclusivity(unchecked) private var largeFlags: UInt8 = 0
    @exclusivity(unchecked) private var largeActive = false
    static let largeFrameThreshold = 32 << 10
    /// The wire header of the large frame arriving or last arrived; the one expected next, and
    /// its payload size, while large frames of one size keep coming (`receiveAhead`): empty
    /// when none is expected.
    @exclusivity(unchecked) private var largeHeader: [UInt8] = []
    @exclusivity(unchecked) private var expectedHeader: [UInt8] = []
    @exclusivity(unchecked) private var expectedPayload = 0
    /// Where `receiveAhead` reads the expected header and envelope.
    @exclusivity(unchecked) private var aheadHead: [UInt8] = []
    /// Payloads up to this size are expected whole from one frame to the next (beyond it memory
    /// follows the bytes that arrive, `growLargeBody`).
    static let aheadLimit = 1 << 20

    /// Heartbeat commands owed to the peer, encoded only when the output before them has been
    /// written (or ahead of the next message): a peer that never reads gets at most one PONG
    /// and one PING queued, whatever it sends. A newer PING replaces the PONG still owed, as in
    /// libzmq (its engine keeps one pending PONG message), and its context is cut to 16 bytes.
    @exclusivity(unchecked) private var pongOwed: [UInt8]?
    @exclusivity(unchecked) private var pingOwed = false

    @exclusivity(unchecked) private var handshakeDeadline: UInt64?
    @exclusivity(unchecked) private var nextPing: UInt64?
    @exclusivity(unchecked) private var pingTimeoutDeadline: UInt64?
    @exclusivity(unchecked) private var peerTTLDeadline: UInt64?

    public init(mechanism: SecurityMechanism, options: ConnectionOptions = ConnectionOptions(), now: UInt64) {
        self.mechanism = mechanism
        self.options = options
        passthrough = mechanism is ClearTextTraffic
        if options.handshakeTimeout > 0 { handshakeDeadline = now &+ options.handshakeTimeout }
        let greeting = Greeting(mechanism: mechanism.name).encoded()
        if options.zmtp2Greeting == nil {
            output.append(contentsOf: greeting)
        } else {
            // The signature and our major version at once (a 2.0 peer reads 3 as a revision it
            // can talk to), the rest once the peer's revision is known.
            output.append(contentsOf: greeting[...Self.revisionOffset])
            greetingRest = Array(greeting[(Self.revisionOffset + 1)...])
        }
    }

    /// Where the revision byte (the major version) is in a greeting.
    private static let revisionOffset = 10

    // MARK: Output

    /// Something is owed to the peer: encoded bytes, or a heartbeat command not yet encoded.
    public var hasOutput: Bool { outputStart < output.count || (state == .traffic && (pongOwed != nil || pingOwed)) }
    /// Encoded bytes not yet written (an owed heartbeat command adds its bytes once encoded).
    public var outputCount: Int { output.count - outputStart }

    /// Lets the shell write pending output; `write` returns how many bytes went out. Owed
    /// heartbeat commands are encoded once everything before them is written, and written too.
    public func drainOutput(_ write: (UnsafeRawBufferPointer) throws -> Int) throws {
        while true {
            if outputStart == output.count {
                guard try encodeOwedCommands() else { return }
            }
            let n = try output.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[outputStart...])) }
            outputStart += n
            if outputStart == output.count {
                output.empty(afterHolding: output.count)
                outputStart = 0
            } else {
                if outputStart >= 1 << 16, outputStart * 2 >= output.count {
                    output.removeFirst(outputStart)
                    outputStart = 0
                }
                return
            }
        }
    }

    // MARK: Input

    /// Feeds bytes read from the peer. Throws a ZMTPError when the peer broke the protocol or a
    /// limit; the shell then writes any output left (an ERROR command) and closes.
    public func receive(_ input: UnsafeRawBufferPointer, now: UInt64) throws {
        guard state != .closed else { return }
        do {
            var bytes = input
            while largeActive {
                fillLargeFrame(&bytes)
                if largeFilled == largeSize { try completeLargeFrame(now: now) } else if bytes.isEmpty { return }
            }
            partialFrameSize = 0
            if pending.isEmpty {
                let used = try consume(bytes, now: now)
                if used < bytes.count, state != .closed {
                    pending.reserveCapacity(max(partialFrameSize, bytes.count - used))
                    pending.append(contentsOf: bytes[used...])
                }
            } else {
                pending.append(contentsOf: bytes)
                let used = try pending.withUnsafeBytes { try consume($0, now: now) }
                pending.removeFirst(min(used, pending.count))
                if pending.isEmpty {
                    if pending.capacity > 1 << 20 { pending = [] }  // give back a large frame's buffer
                } else {
                    pending.reserveCapacity(partialFrameSize)
                }
            }
        } catch {
            state = .closed
            throw error
        }
    }

    private func consume(_ buf: UnsafeRawBufferPointer, now: UInt64) throws -> Int {
        var offset = 0
        while state != .closed {
            if state == .greeting {
                let target = greetingRest != nil ? Self.revisionOffset + 1 : zmtp2Peer ? ZMTP2Greeting.size : Greeting.size
                let take = min(target - greetingBytes.count, buf.count - offset)
                if take == 0 { return offset }
                greetingBytes.append(contentsOf: buf[offset..<(offset + take)])
                offset += take
                handshakeBytes += take
                if greetingRest != nil, greetingBytes.count > Self.revisionOffset { revisionReceived() }
                if !zmtp2Peer { try Greeting.validatePrefix(greetingBytes) }
                if greetingBytes.count == Greeting.size { try greetingComplete() }
                if zmtp2Peer, greetingBytes.count == ZMTP2Greeting.size { zmtp2GreetingComplete() }
                continue
            }
            if state == .traffic && passthrough { return try consumePlainTraffic(buf, from: offset, now: now) }
            let rest = UnsafeRawBufferPointer(rebasing: buf[offset...])
            guard let header = try completeFrameHeader(rest) else { return largeActive ? buf.count : offset }
            let total = header.headerSize + Int(header.bodySize)
            offset += total
            if state == .handshake && zmtp2Peer {
                handshakeBytes += total
                try zmtp2IdentityFrame(WireFrame(flags: header.flags, body: copyBytes(rest, from: header.headerSize, to: total)), now: now)
            } else if state == .handshake {
                handshakeBytes += total
                try handshakeFrame(WireFrame(flags: header.flags, body: copyBytes(rest, from: header.headerSize, to: total)), now: now)
            } else {
                // The mechanism reads the frame where it lies and makes the one copy it needs.
                let body = UnsafeRawBufferPointer(rebasing: rest[header.headerSize..<total])
                try trafficFrame(try mechanism.decodeFrame(flags: header.flags, body: body), now: now)
            }
        }
        return offset
    }

    /// NULL traffic: the input is already in the queue's plain frame form, so each frame is
    /// checked and counted where it lies and runs of data frames are copied in one piece.
    private func consumePlainTraffic(_ buf: UnsafeRawBufferPointer, from start: Int, now: UInt64) throws -> Int {
        var offset = start
        var runStart = start
        defer {
            // Frames counted so far are copied, also when a limit throws.
            if offset > runStart { received.appendRun(UnsafeRawBufferPointer(rebasing: buf[runStart..<offset])) }
        }
        while state == .traffic {
            let rest = UnsafeRawBufferPointer(rebasing: buf[offset...])
            // A large frame's bytes go to its own array; the run before it is copied on return.
            guard let header = try completeFrameHeader(rest) else { return largeActive ? buf.count : offset }
            let total = header.headerSize + Int(header.bodySize)
            if header.flags & WireFrame.command != 0 {
                received.appendRun(UnsafeRawBufferPointer(rebasing: buf[runStart..<offset]))
                offset += total
                runStart = offset
                try trafficCommand(Command.decode(UnsafeRawBufferPointer(rebasing: rest[header.headerSize..<total])), now: now)
            } else {
                let more = header.flags & WireFrame.more != 0
                try admitDataFrame(size: Int(header.bodySize), more: more)
                received.noteRunFrame(wireSize: total, payload: Int(header.bodySize), more: more)
                offset += total
            }
        }
        return offset
    }

    /// The header of the frame at the start of `rest` once all of it has arrived. Otherwise
    /// nil, after starting a large frame's own reading (`largeActive`: it takes all of `rest`)
    /// or noting in `partialFrameSize` how much to wait for.
    private func completeFrameHeader(_ rest: UnsafeRawBufferPointer) throws -> FrameHeader? {
        guard let header = try FrameHeader.parse(rest) else { return nil }
        try checkSize(header)
        // Compared before adding: a declared size near 2^63 must not overflow.
        guard header.bodySize <= UInt64(rest.count - header.headerSize) else {
            if state == .traffic && header.bodySize >= Connection.largeFrameThreshold {
                startLargeFrame(header, wire: rest)
            } else {
                partialFrameSize = header.headerSize + Int(header.bodySize)
            }
            return nil
        }
        return header
    }

    private func startLargeFrame(_ header: FrameHeader, wire: UnsafeRawBufferPointer) {
        largeHeader = Array(wire[0..<header.headerSize])
        envelopeSize = passthrough ? 0 : mechanism.framePayloadOffset
        largeEnvelope = []
        largeSize = Int(header.bodySize) - envelopeSize  // a large frame is far longer than any envelope
        largeBody = []
        largeFilled = 0
        largeFlags = header.flags
        largeActive = true
        var bytes = UnsafeRawBufferPointer(rebasing: wire[header.headerSize...])
        fillLargeFrame(&bytes)  // never the whole frame: it did not fit in the input
    }

    /// Moves bytes of the large frame out of `bytes`: the envelope first, then the payload.
    private func fillLargeFrame(_ bytes: inout UnsafeRawBufferPointer) {
        let toEnvelope = min(envelopeSize - largeEnvelope.count, bytes.count)
        if toEnvelope > 0 {
            largeEnvelope.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<toEnvelope]))
            bytes = UnsafeRawBufferPointer(rebasing: bytes[toEnvelope...])
        }
        guard !bytes.isEmpty else { return }
        growLargeBody()
        let n = min(largeBody.count - largeFilled, bytes.count)
        largeBody.withUnsafeMutableBytes { dst in
            UnsafeMutableRawBufferPointer(rebasing: dst[largeFilled..<(largeFilled + n)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
        }
        largeFilled += n
        bytes = UnsafeRawBufferPointer(rebasing: bytes[n...])
    }

    /// Makes room for more of the large frame. Memory follows the bytes that actually arrived
    /// (doubling, from 1 MiB), never a size the peer merely announced: nine bytes of header
    /// must not reserve 64 MiB, even within the limit.
    private func growLargeBody() {
        guard largeFilled == largeBody.count, largeBody.count < largeSize else { return }
        let target = min(largeSize, max(1 << 20, 2 * largeBody.count))
        if largeBody.isEmpty, target == largeSize {
            largeBody = wholeBody(target)
            return
        }
        let grown = [UInt8](unsafeUninitializedCapacity: target) { buffer, initialized in
            largeBody.withUnsafeBytes { old in
                if !old.isEmpty { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: old) }
            }
            initialized = target
        }
        largeBody = grown
    }

    /// An array of `size` bytes for a large frame's payload: a recycled one, else a new one
    /// (its bytes are written before they are read).
    private func wholeBody(_ size: Int) -> [UInt8] {
        if var reused = reuseLargeBody(size), reused.count >= size {
            reused.removeLast(reused.count - size)  // keeps the memory
            return reused
        }
        return [UInt8](unsafeUninitializedCapacity: size) { _, initialized in initialized = size }
    }

    private func completeLargeFrame(now: UInt64) throws {
        largeActive = false
        expectedHeader = largeSize <= Self.aheadLimit ? largeHeader : []
        expectedPayload = largeSize
        var body = largeBody
        largeBody = []
        if passthrough {
            try trafficFrame(WireFrame(flags: largeFlags, body: body), now: now)
        } else {
            let flags = try largeEnvelope.withUnsafeBytes { try mechanism.decodeFrame(flags: largeFlags, envelope: $0, payload: &body) }
            largeEnvelope = []
            try trafficFrame(WireFrame(flags: flags, body: body), now: now)
        }
    }

    /// While a large frame is being assembled, lets the shell read straight into its body.
    /// Returns nil when no large frame is in progress, else what `read` returned (bytes read).
    public func receiveDirect(now: UInt64, _ read: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Int? {
        guard largeActive, largeEnvelope.count == envelopeSize, state != .closed else { return nil }
        do {
            growLargeBody()
            let n = try largeBody.withUnsafeMutableBytes { try read(UnsafeMutableRawBufferPointer(rebasing: $0[largeFilled...])) }
            largeFilled += n
            if largeFilled == largeSize { try completeLargeFrame(now: now) }
            return n
        } catch {
            state = .closed
            throw error
        }
    }

    /// While large frames of one size keep arriving (a stream of like messages), lets the shell
    /// read the next one's wire header and envelope into `head` and its payload straight into
    /// the array that will be delivered, in one vectored read: no copy out of a read buffer.
    /// Returns nil when no such frame is expected (read into a buffer and call `receive`), else
    /// what `read` returned (bytes read). Bytes that turn out not to be the expected frame are
    /// taken as `receive` takes any input, and nothing is expected until the next large frame.
    public func receiveAhead(now: UInt64, _ read: (UnsafeMutableRawBufferPointer, UnsafeMutableRawBufferPointer) throws -> Int) throws -> Int? {
        guard !expectedHeader.isEmpty, state == .traffic, !largeActive, pending.isEmpty else { return nil }
        do {
            let headerSize = expectedHeader.count
            let headSize = headerSize + envelopeSize
            if aheadHead.count < headSize { aheadHead = [UInt8](repeating: 0, count: headSize) }
            // Read into `largeBody` itself: a second reference to the array would make opening
            // it in place copy it.
            largeBody = wholeBody(expectedPayload)
            let n = try aheadHead.withUnsafeMutableBytes { head in
                try largeBody.withUnsafeMutableBytes { try read(UnsafeMutableRawBufferPointer(rebasing: head[0..<headSize]), $0) }
            }
            guard n >= headSize, aheadHead[0..<headerSize].elementsEqual(expectedHeader) else {
                let body = largeBody
                largeBody = []
                defer { recycleLargeBody(body) }
                guard n > 0 else { return 0 }
                expectedHeader = []
                try aheadHead.withUnsafeBytes { try receive(UnsafeRawBufferPointer(rebasing: $0[0..<min(n, headSize)]), now: now) }
                if n > headSize { try body.withUnsafeBytes { try receive(UnsafeRawBufferPointer(rebasing: $0[0..<(n - headSize)]), now: now) } }
                return n
            }
            largeEnvelope = Array(aheadHead[headerSize..<headSize])
            largeSize = expectedPayload
            largeFilled = n - headSize
            largeFlags = expectedHeader[0]
            largeActive = true
            if largeFilled == largeSize { try completeLargeFrame(now: now) }
            return n
        } catch {
            state = .closed
            throw error
        }
    }

    /// Refuses a frame by its declared size before any byte of it is stored.
    private func checkSize(_ header: FrameHeader) throws {
        if state == .handshake {
            if UInt64(handshakeBytes) + UInt64(header.headerSize) + header.bodySize > UInt64(options.handshakeByteBudget) {
                throw ZMTPError.handshakeBudgetExceeded(limit: options.handshakeByteBudget)
            }
        } else if let max = options.maxMessageSize {
            // The wire frame may carry a mechanism envelope (CURVE adds 33 bytes); the exact
            // payload limit is enforced once the frame is decoded.
            if header.bodySize > UInt64(max) + 64 { throw ZMTPError.frameTooLarge(size: header.bodySize, limit: max) }
        }
    }

    private func greetingComplete() throws {
        let greeting = try Greeting.decode(greetingBytes)
        guard greeting.mechanism == mechanism.name else {
            throw ZMTPError.mechanismMismatch(local: mechanism.name, peer: greeting.mechanism)
        }
        peerGreeting = greeting
        greetingBytes = []
        state = .handshake
        handshakeSteps += 1
        for command in try refusingOnError(mechanism.start) { appendCommand(command) }
    }

    /// The peer's revision byte is in: the rest of our 3.x greeting goes, or for a ZMTP 2.0
    /// peer (signature intact, revision 1) the 2.0 tail. Any other revision is judged by the
    /// 3.x greeting's checks.
    private func revisionReceived() {
        guard let rest = greetingRest else { return }
        greetingRest = nil
        if let zmtp2 = options.zmtp2Greeting, greetingBytes[0] == 0xFF, greetingBytes[9] & 1 == 1,
           greetingBytes[Self.revisionOffset] == ZMTP2Greeting.revision {
            zmtp2Peer = true
            output.append(contentsOf: zmtp2.tail)
        } else {
            output.append(contentsOf: rest)
        }
    }

    private func zmtp2GreetingComplete() {
        peerGreeting = Greeting(major: 2, minor: 0, mechanism: "NULL")
        state = .handshake
        handshakeSteps += 1
    }

    /// A ZMTP 2.0 peer's first frame is its identity (a final frame, maybe empty): the handshake
    /// is complete. Heartbeats are ZMTP 3 commands, so none are sent.
    private func zmtp2IdentityFrame(_ frame: WireFrame, now: UInt64) throws {
        guard !frame.hasMore, !frame.isCommand else {
            throw ZMTPError.malformedFrame("a ZMTP 2.0 identity must be one final data frame")
        }
        handshakeSteps += 1
        state = .traffic
        handshakeDeadline = nil
        onReady(ZMTP2Greeting.peerMetadata(socketTypeNumber: greetingBytes[ZMTP2Greeting.size - 1], identity: frame.body))
    }

    /// Runs a mechanism step; when it refuses the peer, queues the ERROR the mechanism wants
    /// sent (the shell writes it before closing) and rethrows.
    private func refusingOnError(_ step: () throws -> [Command]) throws -> [Command] {
        do {
            return try step()
        } catch {
            if let refusal = mechanism.refusal(for: error) { WireFrame.append(flags: WireFrame.command, body: refusal, into: &output) }
            throw error
        }
    }

    private func handshakeFrame(_ frame: WireFrame, now: UInt64) throws {
        guard frame.isCommand else { throw ZMTPError.unexpectedCommand("message frame before the handshake completed") }
        let command = try Command.decode(frame.body)
        handshakeSteps += 1
        for reply in try refusingOnError({ try mechanism.receive(command) }) { appendCommand(reply) }
        if mechanism.isComplete {
            state = .traffic
            handshakeDeadline = nil
            if options.heartbeatInterval > 0 { nextPing = now &+ options.heartbeatInterval }
            onReady(mechanism.peerMetadata)
        }
    }

    /// One logical frame after the handshake, already decoded by the mechanism or assembled.
    private func trafficFrame(_ frame: WireFrame, now: UInt64) throws {
        if frame.isCommand { return try trafficCommand(Command.decode(frame.body), now: now) }
        try admitDataFrame(size: frame.body.count, more: frame.hasMore)
        received.appendFrame(frame.body, more: frame.hasMore)
    }

    /// Counts a data frame against the message limits before it is queued.
    @inline(__always)
    private func admitDataFrame(size: Int, more: Bool) throws {
        // libzmq: any frame from the peer cancels both heartbeat timers.
        pingTimeoutDeadline = nil
        peerTTLDeadline = nil
        messageBytes += size
        messageFrames += 1
        if let max = options.maxMessageSize, messageBytes > max {
            throw ZMTPError.frameTooLarge(size: UInt64(messageBytes), limit: max)
        }
        if let max = options.maxFramesPerMessage, messageFrames > max {
            throw ZMTPError.tooManyFrames(limit: max)
        }
        if !more {
            messageBytes = 0
            messageFrames = 0
        }
    }

    private func trafficCommand(_ command: Command, now: UInt64) throws {
        pingTimeoutDeadline = nil
        peerTTLDeadline = nil
        switch command.name {
        case "PING":
            guard command.data.count >= 2 else { throw ZMTPError.malformedCommand("PING shorter than its 2-byte TTL") }
            let ttl = command.data.readBE(at: 0, count: 2)
            if ttl > 0, peerTTLDeadline == nil { peerTTLDeadline = now &+ ttl * 100_000_000 }
            pongOwed = Array(command.data.dropFirst(2).prefix(16))
        default:
            // A publisher's SUBSCRIBE or CANCEL becomes its message form, between messages
            // only (a command cannot split a message in two).
            if options.subscriptionCommandsAsMessages, messageFrames == 0, let subscription = Subscription(command: command) {
                received.appendFrame(subscription.frame, more: false)
            }
            // PONG needs no action (its arrival already reset the timers); libzmq drops unknown
            // commands after the handshake, and so do we.
            break
        }
    }

    // MARK: Sending

    private func appendCommand(_ command: Command) {
        WireFrame.append(flags: WireFrame.command, body: command.encoded(), into: &output)
    }

    private func sendCommand(_ command: Command) throws {
        try command.encoded().withUnsafeBytes { try mechanism.encodeFrame($0, more: false, command: true, into: &output) }
    }

    /// Encodes the owed heartbeat commands into the output; false when none was owed.
    private func encodeOwedCommands() throws -> Bool {
        guard state == .traffic, pongOwed != nil || pingOwed else { return false }
        do {
            if let context = pongOwed {
                pongOwed = nil
                try sendCommand(.pong(context: context))
            }
            if pingOwed {
                pingOwed = false
                try sendCommand(.ping(ttlDeciseconds: UInt16(clamping: options.heartbeatTTL / 100_000_000)))
            }
        } catch {
            state = .closed
            throw error
        }
        return true
    }

    /// Encodes one multipart message for the peer. Only valid once the handshake is complete:
    /// libzmq treats a message that arrives before its own READY as a protocol error (P1).
    public func send(_ frames: [[UInt8]]) throws {
        var messages = FramedMessages()
        messages.append(frames)
        try send(&messages)
    }

    /// Encodes every whole message of `messages` for the peer and empties it. NULL moves the
    /// queued bytes as they are (by a swap when no output is pending).
    public func send(_ messages: inout FramedMessages) throws {
        precondition(state == .traffic, "send before the handshake completed")
        _ = try encodeOwedCommands()
        if options.subscriptionMessagesAsCommands, let peer = peerGreeting {
            return try sendSubscriptions(&messages, to: peer)
        }
        if passthrough && messages.isPlainWhole {
            return messages.moveBytes(to: &output)
        }
        try mechanism.encodeMessages(&messages, into: &output)
    }

    /// SUB: each one-frame 0x01/0x00 message (all a SUB sends) goes in the form the peer
    /// reads (commands from ZMTP 3.1 on); anything else goes as it is.
    private func sendSubscriptions(_ messages: inout FramedMessages, to peer: Greeting) throws {
        var messageStart = true
        try messages.drainFrames { body, more in
            if messageStart, !more, let subscription = Subscription(frame: Array(body)[...]),
               case .command(let command) = subscription.wireForm(for: peer) {
                try sendCommand(command)
            } else {
                try mechanism.encodeFrame(body, more: more, command: false, into: &output)
            }
            messageStart = !more
        }
    }

    // MARK: Time

    /// The earliest time `tick` has work to do.
    public var nextDeadline: UInt64? {
        [handshakeDeadline, nextPing, pingTimeoutDeadline, peerTTLDeadline].compactMap { $0 }.min()
    }

    /// Runs timers: throws on handshake or heartbeat timeout, owes a PING when due.
    public func tick(now: UInt64) throws {
        guard state != .closed else { return }
        do {
            if let d = handshakeDeadline, now >= d { throw ZMTPError.handshakeTimeout }
            if let d = pingTimeoutDeadline, now >= d { throw ZMTPError.heartbeatTimeout }
            if let d = peerTTLDeadline, now >= d { throw ZMTPError.heartbeatTimeout }
            if let d = nextPing, now >= d {
                pingOwed = true
                nextPing = now &+ options.heartbeatInterval
                if pingTimeoutDeadline == nil {
                    pingTimeoutDeadline = now &+ (options.heartbeatTimeout ?? options.heartbeatInterval)
                }
            }
        } catch {
            state = .closed
            throw error
        }
    }

    /// Marks the connection closed (the shell saw EOF or gave up on it).
    public func close() { state = .closed }
}

/// Copies `bytes[from..<to]` into a new array. (`Array(UnsafeBufferPointer)` measured twice as
/// fast as `Array(unsafeUninitializedCapacity:)` here, and the slice form iterates byte by byte.)
@inline(__always)
func copyBytes(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> [UInt8] {
    guard to > from else { return [] }
    return Array(UnsafeBufferPointer(start: bytes.baseAddress!.advanced(by: from).assumingMemoryBound(to: UInt8.self), count: to - from))
}
