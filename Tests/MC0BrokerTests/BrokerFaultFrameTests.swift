import Foundation
import TestSupport
import Testing
import ZMTP

/// Hostile frames against the mc0d binary over raw sockets: absurd size announcements,
/// messages at and just over each size limit, and garbage after a greeting or a handshake.
/// Each closes only the offender (or, below the transport limit, is answered with ERROR); a
/// bystander client keeps working throughout.
@Suite(.serialized) struct BrokerFaultFrameTests {
    /// mc0d's limits (BrokerConfig defaults): the core answers ERROR above 16 MiB (the sum of a
    /// message's frames); the transport closes the connection above 16 MiB + 64 KiB.
    static let coreLimit = 16 << 20
    static let transportLimit = coreLimit + (64 << 10)

    /// A deterministic byte stream (xorshift), so a failure replays exactly.
    static func garbage(_ count: Int, seed: UInt64) -> [UInt8] {
        var x = seed
        return (0..<count).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }

    static func bystanderStillServes(_ bystander: ZMTPSocket, _ id: String) throws -> Bool {
        try FaultClient.request(bystander, ["", "NOOP", "ID", id]) == ok(id)
    }

    @Test(.timeLimit(.minutes(1)))
    func absurdFrameSizesCloseOnlyTheOffender() throws {
        let broker = try BrokerProcess(["--no-curve"], logLevel: "warning")
        defer { broker.stop() }
        let bystander = try FaultClient.connected(broker)
        defer { bystander.close() }
        let baselineRSS = try #require(broker.residentKiB())

        // (announced size, before or after the handshake)
        let cases: [(UInt64, Bool)] = [(UInt64(Int64.max), true), (UInt64(Int64.max), false), (UInt64.max, true),
                                       (UInt64(Self.transportLimit) + 65, true), (1 << 40, false)]
        for (n, (size, afterHandshake)) in cases.enumerated() {
            let offender: RawPeer
            if afterHandshake {
                offender = try RawPeer.nullClient(port: broker.port)
                #expect(offender.request(connectFrames(ttl: 60_000, id: "x")) == ok("x"))
            } else {
                offender = try RawPeer(port: broker.port)
                offender.write(RawZMTP.greeting(mechanism: "NULL"))
            }
            offender.write(RawZMTP.header(flags: 0, size: size) + Array(repeating: 0x41, count: 1000))
            #expect(offender.closedByPeer(), "announced \(size) bytes, after handshake: \(afterHandshake)")
            #expect(try Self.bystanderStillServes(bystander, "\(n)"))
        }
        let afterRSS = try #require(broker.residentKiB())
        print("absurd frame sizes: RSS KiB before \(baselineRSS) after \(afterRSS)")
        // Nothing of the announced sizes was ever allocated.
        #expect(afterRSS < baselineRSS + 4 << 10)
    }

    /// A PUT whose frames add up to exactly `total` bytes, acknowledged with ID "m".
    static func put(total: Int) -> [String] {
        let head = ["", "PUT", "TOPIC", "t", "ID", "m", ""]
        return head + [String(repeating: "b", count: total - head.reduce(0) { $0 + $1.utf8.count })]
    }

    @Test(.timeLimit(.minutes(1)))
    func messagesAtTheLimitPassAndOneByteOverIsRefused() throws {
        let broker = try BrokerProcess(["--no-curve"], logLevel: "warning")
        defer { broker.stop() }
        let subscriber = try FaultClient.connected(broker)
        defer { subscriber.close() }
        #expect(try FaultClient.request(subscriber, ["", "SUB", "ID", "s", "", "t"]) == ok("s"))
        let sender = try RawPeer.nullClient(port: broker.port, timeoutSeconds: 20)
        #expect(sender.request(connectFrames(ttl: 60_000, id: "c")) == ok("c"))

        // Exactly at the broker's limit: accepted and delivered whole.
        #expect(sender.request(Self.put(total: Self.coreLimit)) == ok("m"))
        let delivered = try FaultClient.reply(subscriber, timeout: .seconds(20))
        #expect(delivered.count == 6 && delivered[5].utf8.count == Self.coreLimit - 12)

        // One byte over: refused with ERROR, the connection stays.
        let over = sender.request(Self.put(total: Self.coreLimit + 1))
        #expect(over == ["", "ERROR", "MESSAGE", "message of \(Self.coreLimit + 1) bytes exceeds the broker's limit of \(Self.coreLimit) bytes", "ID", "m"])
        #expect(sender.request(["", "NOOP", "ID", "n"]) == ok("n"))

        // Up to the transport's limit the broker still reads the message and answers ERROR...
        #expect(sender.request(Self.put(total: Self.transportLimit))?[1] == "ERROR")
        #expect(sender.request(["", "NOOP", "ID", "n2"]) == ok("n2"))
        // ...one byte more and it closes the connection before buffering it.
        sender.write(RawZMTP.message(FaultClient.frames(Self.put(total: Self.transportLimit + 1))))
        #expect(sender.closedByPeer())

        #expect(try Self.bystanderStillServes(subscriber, "alive"))
        #expect(throws: SocketError.timedOut) { try subscriber.receive(timeout: .milliseconds(200)) }
    }

    @Test(.timeLimit(.minutes(1)))
    func garbageAfterANullHandshakeClosesOnlyTheOffender() throws {
        let broker = try BrokerProcess(["--no-curve"], logLevel: "warning")
        defer { broker.stop() }
        let bystander = try FaultClient.connected(broker)
        defer { bystander.close() }
        for seed in 1...20 as ClosedRange<UInt64> {
            let offender = try RawPeer.nullClient(port: broker.port)
            #expect(offender.request(connectFrames(ttl: 60_000, id: "x")) == ok("x"))
            offender.write(Self.garbage(64 << 10, seed: seed))
            #expect(offender.closedByPeer(), "seed \(seed)")
            #expect(try Self.bystanderStillServes(bystander, "\(seed)"))
        }
        #expect(broker.child.process.isRunning)
    }

    @Test(.timeLimit(.minutes(1)))
    func garbageDuringACurveHandshakeClosesOnlyTheOffender() throws {
        let broker = try BrokerProcess(logLevel: "warning")
        defer { broker.stop() }
        let bystander = try FaultClient.connected(broker)
        defer { bystander.close() }
        let curve = RawZMTP.greeting(mechanism: "CURVE")
        let attacks: [(String, [UInt8])] = [
            ("random bytes after a CURVE greeting", curve + Self.garbage(4096, seed: 7)),
            ("a HELLO-sized command of random bytes", curve + RawZMTP.header(flags: 0x04, size: 200) + Self.garbage(200, seed: 8)),
            ("a command announcing 2^63-1 bytes", curve + RawZMTP.header(flags: 0x04, size: UInt64(Int64.max))),
            ("a message frame instead of HELLO", curve + RawZMTP.frame(Array("hello".utf8), more: false)),
            ("a NULL greeting to a CURVE broker", RawZMTP.greeting(mechanism: "NULL") + RawZMTP.readyDealer),
            ("random bytes instead of a greeting", Self.garbage(4096, seed: 9)),
        ]
        for (n, (name, bytes)) in attacks.enumerated() {
            let offender = try RawPeer(port: broker.port)
            offender.write(bytes)
            #expect(offender.closedByPeer(), "\(name)")
            #expect(try Self.bystanderStillServes(bystander, "\(n)"), "\(name)")
        }
    }
}
