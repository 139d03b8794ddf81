import Testing
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// The sans-I/O engine, driven with byte vectors and an injected clock.
@Suite struct ConnectionTests {
    static let second: UInt64 = 1_000_000_000

    final class Harness {
        let connection: Connection
        var ready: Metadata?
        var messages: [[[UInt8]]] = []
        var error: Error?

        init(type: SocketType = .router, options: ConnectionOptions = ConnectionOptions(), now: UInt64 = 0) {
            let context = HandshakeContext(localMetadata: type.metadata(identity: []), validatePeer: type.peerValidator())
            connection = Connection(mechanism: NullMechanism(context: context), options: options, now: now)
            connection.onReady = { [unowned self] in self.ready = $0 }
        }

        func feed(_ bytes: [UInt8], now: UInt64 = 0) {
            do { try bytes.withUnsafeBytes { try connection.receive($0, now: now) } } catch { self.error = error }
            while let message = connection.received.popMessage() { messages.append(message) }
        }

        func tick(_ now: UInt64) {
            do { try connection.tick(now: now) } catch { self.error = error }
        }

        /// Takes everything the engine wants written.
        func output() -> [UInt8] {
            var out: [UInt8] = []
            do { try connection.drainOutput { out.append(contentsOf: $0); return $0.count } } catch { self.error = error }
            return out
        }

        /// Offers the output to a kernel that takes nothing (a peer that never reads).
        func blockedDrain() {
            do { try connection.drainOutput { _ in 0 } } catch { self.error = error }
        }
    }

    static func frame(_ body: [UInt8], flags: UInt8 = 0) -> [UInt8] { WireFrame(flags: flags, body: body).encoded() }
    static let greeting = Greeting(mechanism: "NULL").encoded()
    static let dealerReady = frame(Command.ready(SocketType.dealer.metadata(identity: [])).encoded(), flags: 4)

    @Test func sendsGreetingAtOnceAndReadyAfterPeerGreeting() {
        let h = Harness()
        #expect(h.output() == Self.greeting)
        h.feed(Array(Self.greeting.prefix(10)))
        #expect(h.output().isEmpty)
        h.feed(Array(Self.greeting.dropFirst(10)))
        #expect(h.output() == Self.frame(Command.ready(SocketType.router.metadata(identity: [])).encoded(), flags: 4))
    }

    @Test func greetingReadyAndMessageInOneRead() throws {
        let h = Harness()
        let captured = try Captures.bytes("libzmq_dealer_greeting") + Captures.bytes("libzmq_dealer_ready") + Captures.bytes("libzmq_dealer_message")
        h.feed(captured)
        #expect(h.error == nil)
        #expect(h.ready?.socketType == "DEALER")
        #expect(h.messages == [[[], Array("hello".utf8)]])
    }

    @Test func oneByteAtATimeThenHandshakeTimeout() {
        let h = Harness()
        for (i, b) in (Self.greeting + Self.dealerReady).enumerated() { h.feed([b], now: UInt64(i)) }
        #expect(h.error == nil && h.ready != nil)

        // A peer trickling its greeting one byte per second is cut at the handshake timeout.
        var slow = ConnectionOptions()
        slow.handshakeTimeout = 30 * Self.second
        let s = Harness(options: slow)
        for i in 0..<29 { s.feed([Self.greeting[i]], now: UInt64(i) * Self.second) ; s.tick(UInt64(i) * Self.second) }
        #expect(s.error == nil)
        #expect(s.connection.nextDeadline == 30 * Self.second)
        s.tick(30 * Self.second)
        #expect(s.error as? ZMTPError == .handshakeTimeout)
    }

    @Test func refusesZMTP2AndMismatchedMechanism() {
        let h = Harness()
        var v2 = Self.greeting
        v2[10] = 1
        h.feed(Array(v2.prefix(11)))
        #expect(h.error as? ZMTPError == .unsupportedVersion(major: 1))
        #expect(h.connection.state == .closed)

        let m = Harness()
        m.feed(Greeting(mechanism: "CURVE").encoded())
        #expect(m.error as? ZMTPError == .mechanismMismatch(local: "NULL", peer: "CURVE"))
    }

    @Test func servesZMTP30Peers() {
        let h = Harness()
        var v30 = Self.greeting
        v30[11] = 0
        h.feed(v30 + Self.dealerReady + Self.frame([1, 2]))
        #expect(h.error == nil && h.connection.peerGreeting?.isZMTP30 == true)
        #expect(h.messages == [[[1, 2]]])
    }

    @Test func messageBeforeHandshakeIsRefused() {
        let h = Harness()
        h.feed(Self.greeting + Self.frame(Array("early".utf8)))
        #expect(h.error as? ZMTPError == .unexpectedCommand("message frame before the handshake completed"))
    }

    @Test func malformedReadyAndWrongSocketType() {
        var bad = Command.ready(SocketType.dealer.metadata(identity: [])).encoded()
        bad[6] = 40  // name length runs past the end
        let h = Harness()
        h.feed(Self.greeting + Self.frame(bad, flags: 4))
        #expect(h.error is ZMTPError)

        let t = Harness(type: .dealer)
        t.feed(Self.greeting + Self.frame(Command.ready(SocketType.sub.metadata(identity: [])).encoded(), flags: 4))
        #expect(t.error as? ZMTPError == .incompatibleSocketType(local: "DEALER", peer: "SUB"))

        let e = Harness()
        e.feed(Self.greeting + Self.frame(Command.error("500").encoded(), flags: 4))
        #expect(e.error as? ZMTPError == .deniedByPeer(status: 500))
    }

    @Test func unknownCommandAfterHandshakeIsDropped() {
        let h = Harness()
        h.feed(Self.greeting + Self.dealerReady + Self.frame(Command(name: "BOGUS", data: [1]).encoded(), flags: 4) + Self.frame([9]))
        #expect(h.error == nil)
        #expect(h.messages == [[[9]]])
    }

    @Test func oversizeFramesAreRefusedBeforeTheirBody() {
        var options = ConnectionOptions()
        options.maxMessageSize = 1000
        let h = Harness(options: options)
        h.feed(Self.greeting + Self.dealerReady)
        // Declares 1 MiB; only the 9 header bytes are sent.
        h.feed([0x02, 0, 0, 0, 0, 0, 0x10, 0, 0])
        #expect(h.error as? ZMTPError == .frameTooLarge(size: 1 << 20, limit: 1000))

        let top = Harness()
        top.feed(Self.greeting + Self.dealerReady + [0x02, 0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(top.error is ZMTPError)
        let max63 = Harness()
        max63.feed(Self.greeting + Self.dealerReady + [0x02, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(max63.error is ZMTPError)

        // Many small frames of one message add up against the limit too.
        let parts = Harness(options: options)
        parts.feed(Self.greeting + Self.dealerReady)
        for _ in 0..<3 { parts.feed(Self.frame([UInt8](repeating: 0, count: 400), flags: 1)) }
        #expect(parts.error as? ZMTPError == .frameTooLarge(size: 1200, limit: 1000))
    }

    @Test func handshakeByteBudget() {
        let h = Harness()
        let huge = Command.ready(Metadata([("Socket-Type", Array("DEALER".utf8)), ("X-Pad", [UInt8](repeating: 0, count: 20_000))])).encoded()
        h.feed(Self.greeting + Self.frame(huge, flags: 4).prefix(100))
        #expect(h.error as? ZMTPError == .handshakeBudgetExceeded(limit: 16 << 10))
    }

    @Test func truncatedFramesWaitForTheRest() {
        let h = Harness()
        h.feed(Self.greeting + Self.dealerReady)
        let message = Self.frame([1, 2, 3], flags: 1) + Self.frame([UInt8](repeating: 5, count: 300))
        for chunk in stride(from: 0, to: message.count, by: 7) { h.feed(Array(message[chunk..<min(chunk + 7, message.count)])) }
        #expect(h.error == nil)
        #expect(h.messages == [[[1, 2, 3], [UInt8](repeating: 5, count: 300)]])
    }

    @Test func answersPingAndTimesOutOnPeerTTL() throws {
        let h = Harness()
        h.feed(Self.greeting + Self.dealerReady)
        _ = h.output()
        // libzmq's PING with TTL 1.5 s, then a PING with context "ctx".
        h.feed(try Captures.bytes("libzmq_dealer_ping"), now: 0)
        #expect(h.output() == [0x04, 0x05, 0x04, 0x50, 0x4f, 0x4e, 0x47])
        h.feed(Self.frame(Command.ping(ttlDeciseconds: 0, context: Array("ctx".utf8)).encoded(), flags: 4), now: Self.second)
        #expect(h.output() == [0x04, 0x08, 0x04, 0x50, 0x4f, 0x4e, 0x47, 0x63, 0x74, 0x78])
        // Silence after a PING with TTL 10 ds closes after 1 s.
        h.feed(Self.frame(Command.ping(ttlDeciseconds: 10).encoded(), flags: 4), now: 2 * Self.second)
        h.tick(2 * Self.second + Self.second / 2)
        #expect(h.error == nil)
        h.tick(3 * Self.second)
        #expect(h.error as? ZMTPError == .heartbeatTimeout)
    }

    @Test func sendsPingAndDropsSilentPeer() {
        var options = ConnectionOptions()
        options.heartbeatInterval = Self.second
        options.heartbeatTTL = 3 * Self.second
        options.heartbeatTimeout = 2 * Self.second
        let h = Harness(options: options)
        h.feed(Self.greeting + Self.dealerReady)
        _ = h.output()
        #expect(h.connection.nextDeadline == Self.second)
        h.tick(Self.second)
        #expect(h.output() == Self.frame(Command.ping(ttlDeciseconds: 30).encoded(), flags: 4))
        // A PONG (any frame) cancels the timeout.
        h.feed(Self.frame(Command.pong(context: []).encoded(), flags: 4), now: Self.second + 1)
        h.tick(3 * Self.second + 2)
        #expect(h.error == nil)
        // No answer to the PING sent at 3 s: closed 2 s later.
        h.tick(5 * Self.second + 2)
        #expect(h.error as? ZMTPError == .heartbeatTimeout)
    }

    static func ping(_ n: Int) -> [UInt8] {
        frame(Command.ping(ttlDeciseconds: 0, context: withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) }).encoded(), flags: 4)
    }

    static func pong(_ n: Int) -> [UInt8] {
        frame(Command.pong(context: withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) }).encoded(), flags: 4)
    }

    /// A peer that floods PINGs and never reads is owed one PONG, for its latest PING, as
    /// libzmq does: 100,000 PINGs leave at most two PONGs' bytes (one already offered to the
    /// full kernel, one owed), not one per PING.
    @Test func pingFloodWithoutDrainOwesOnePong() {
        let h = Harness()
        h.feed(Self.greeting + Self.dealerReady)
        _ = h.output()
        let count = 100_000
        var flood: [UInt8] = []
        for n in 0..<count { flood += Self.ping(n) }
        let read = 64 << 10
        for start in stride(from: 0, to: flood.count, by: read) {
            h.feed(Array(flood[start..<min(start + read, flood.count)]))
            h.blockedDrain()
            #expect(h.connection.outputCount <= 2 * Self.pong(0).count)
        }
        #expect(h.error == nil && h.connection.hasOutput)
        // The first read's last PING was answered into the empty output; every later one
        // replaced the owed PONG.
        let firstAnswered = read / Self.ping(0).count - 1
        #expect(h.output() == Self.pong(firstAnswered) + Self.pong(count - 1))
        #expect(!h.connection.hasOutput)
    }

    /// A heartbeat PING due while the last one is still unwritten is not queued again.
    @Test func owedPingIsNotRepeatedWhileUnwritten() {
        var options = ConnectionOptions()
        options.heartbeatInterval = Self.second
        options.heartbeatTTL = 3 * Self.second
        options.heartbeatTimeout = 60 * Self.second
        let h = Harness(options: options)
        h.feed(Self.greeting + Self.dealerReady)
        _ = h.output()
        for n in 1...10 { h.tick(UInt64(n) * Self.second) }
        #expect(h.error == nil && h.connection.outputCount == 0 && h.connection.hasOutput)
        #expect(h.output() == Self.frame(Command.ping(ttlDeciseconds: 30).encoded(), flags: 4))
    }

    @Test func sendFramesMultipart() {
        let h = Harness()
        h.feed(Self.greeting + Self.dealerReady)
        _ = h.output()
        try? h.connection.send([[], Array("x".utf8)])
        #expect(h.output() == [0x01, 0x00, 0x00, 0x01, 0x78])
    }

    @Test func largeFramesAssembleAcrossReadsAndDirectReads() throws {
        let h = Harness()
        h.feed(Self.greeting + Self.dealerReady)
        let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let wire = Self.frame(body, flags: 1) + Self.frame([7])
        // First chunk through receive, the middle straight into the frame, the rest through receive.
        h.feed(Array(wire[0..<50_000]))
        var offset = 50_000
        let n = try h.connection.receiveDirect(now: 0) { target in
            let count = min(target.count, 100_000)
            wire.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
            return count
        }
        #expect(n == 100_000)
        offset += 100_000
        h.feed(Array(wire[offset...]))
        #expect(h.error == nil)
        #expect(h.messages == [[body, [7]]])
        #expect(try h.connection.receiveDirect(now: 0) { _ in 0 } == nil)
    }

    /// NULL: after a large frame that took more than one read, the next one of its size is read
    /// ahead, its header alone and its body straight into its array; a read that brings a small
    /// frame instead is taken as input, and nothing more is expected.
    @Test func likeLargeFramesAreReadAhead() throws {
        let h = Harness()
        h.feed(Self.greeting + Self.dealerReady)
        let body = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        #expect(try h.connection.receiveAhead(now: 0) { _, _ in 0 } == nil)
        // In two reads: a frame that arrives whole in one read is taken from the read buffer.
        let first = Self.frame(body)
        h.feed(Array(first[..<1000]))
        h.feed(Array(first[1000...]))
        // A read that brings nothing gives the array made for the payload back, and the frame
        // stays expected.
        var recycled: [Int] = []
        h.connection.recycleLargeBody = { recycled.append($0.count) }
        #expect(try h.connection.receiveAhead(now: 0) { _, _ in 0 } == 0)
        #expect(recycled == [body.count])
        var wire = Self.frame(body) + Self.frame([7]) + Self.frame([8])
        for expected in [9 + body.count, 6] {
            let n = try h.connection.receiveAhead(now: 0) { head, rest in
                #expect(head.count == 9 && rest.count == body.count)
                return wire.withUnsafeBytes { bytes in
                    let first = min(head.count, bytes.count), second = min(rest.count, bytes.count - first)
                    head.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<first]))
                    rest.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[first..<(first + second)]))
                    return first + second
                }
            }
            #expect(n == expected)
            wire.removeFirst(expected)
            h.feed([])
        }
        #expect(h.error == nil)
        #expect(h.messages == [[body], [body], [[7]], [[8]]])
        #expect(try h.connection.receiveAhead(now: 0) { _, _ in 0 } == nil)
    }

    @Test func unlimitedLargeFramesGrowWithTheBytesThatArrive() {
        var options = ConnectionOptions()
        options.maxMessageSize = nil
        let h = Harness(options: options)
        h.feed(Self.greeting + Self.dealerReady)
        let body = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let wire = Self.frame(body)
        for start in stride(from: 0, to: wire.count, by: 65536) { h.feed(Array(wire[start..<min(start + 65536, wire.count)])) }
        #expect(h.error == nil)
        #expect(h.messages == [[body]])
    }
}
