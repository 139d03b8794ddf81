import Foundation
import Synchronization
import TestSupport
import Testing
import ZMTP

/// Raw peers older than libzmq 4.3's defaults: a ZMTP 3.0 subscriber and publisher (data-form
/// subscriptions), and a ZMTP 2.0 subscriber, served on NULL and refused on CURVE.
@Suite(.serialized) struct InteropLegacyPeerTests {
    static let signature: [UInt8] = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F]

    /// A ZMTP 3.0 NULL greeting (minor version 0), as-server 0.
    static let greeting30: [UInt8] = signature + [3, 0] + Array("NULL".utf8) + [UInt8](repeating: 0, count: 16) + [0] + [UInt8](repeating: 0, count: 31)

    static func ready(_ type: String) -> [UInt8] {
        let body: [UInt8] = [5] + Array("READY".utf8) + [11] + Array("Socket-Type".utf8) + [0, 0, 0, UInt8(type.utf8.count)] + Array(type.utf8)
        return [0x04, UInt8(body.count)] + body
    }

    /// Reads the other side's 3.x greeting and its READY command.
    static func readGreetingAndReady(_ raw: RawPeer) -> Bool {
        guard raw.read(64).count == 64 else { return false }
        let header = raw.read(2)
        return header.count == 2 && header[0] == 0x04 && raw.read(Int(header[1])).count == Int(header[1])
    }

    /// Reads until `pattern` appears in the stream; false at EOF or the read timeout.
    static func readUntil(_ raw: RawPeer, _ pattern: [UInt8]) -> Bool {
        var seen: [UInt8] = []
        while true {
            let byte = raw.read(1)
            if byte.isEmpty { return false }
            seen += byte
            if seen.count >= pattern.count && Array(seen.suffix(pattern.count)) == pattern { return true }
        }
    }

    /// Publishes `messages` in a loop until the returned flag is set: the subscriber's
    /// subscription arrives at a moment the test cannot see.
    static func keepPublishing(_ pub: ZMTPSocket, _ messages: [String]) -> StopFlag {
        let stop = StopFlag()
        Thread.detachNewThread {
            while !stop.isSet {
                for m in messages { try? pub.send([Array(m.utf8)], timeout: .zero) }
                usleep(1000)  // pacing, not synchronisation
            }
        }
        return stop
    }

    static func port(_ endpoint: Endpoint) -> UInt16 {
        UInt16(endpoint.description.split(separator: ":").last!)!
    }

    @Test func zmtp30SubscriberGetsOnlyItsPrefix() throws {
        let pub = try ZMTPSocket(type: .pub)
        defer { pub.close() }
        let raw = try RawPeer(port: Self.port(try pub.bind("tcp://127.0.0.1:0")))
        raw.write(Self.greeting30 + Self.ready("SUB"))
        #expect(Self.readGreetingAndReady(raw))
        raw.write([0x00, 0x02, 0x01, 0x41])  // data-form SUBSCRIBE "A"
        let stop = Self.keepPublishing(pub, ["B1", "A1"])
        defer { stop.set() }
        #expect(raw.read(4) == [0x00, 0x02, 0x41, 0x31], "the first message delivered is A1, never B1")
    }

    @Test func ourSubSendsDataFormSubscriptionsToAZMTP30Publisher() throws {
        let sub = try ZMTPSocket(type: .sub)
        defer { sub.close() }
        try sub.subscribe("A")
        let raw = try RawPeer(port: Self.port(try sub.bind("tcp://127.0.0.1:0")))
        raw.write(Self.greeting30 + Self.ready("PUB"))
        #expect(Self.readGreetingAndReady(raw))
        #expect(raw.read(4) == [0x00, 0x02, 0x01, 0x41])
        raw.write([0x00, 0x02, 0x42, 0x31, 0x00, 0x02, 0x41, 0x31])  // B1 then A1
        #expect(try sub.receive(timeout: .seconds(10)) == [Array("A1".utf8)])
    }

    /// A ZMTP 2.0 SUB: revision 1, its socket-type byte, an empty identity frame.
    static func zmtp20Subscriber(_ endpoint: Endpoint) throws -> RawPeer {
        let raw = try RawPeer(port: port(endpoint))
        raw.write(signature + [0x01, 0x02, 0x00, 0x00])
        return raw
    }

    @Test func zmtp20SubscriberIsServedOnNull() throws {
        let pub = try ZMTPSocket(type: .pub)
        defer { pub.close() }
        let raw = try Self.zmtp20Subscriber(try pub.bind("tcp://127.0.0.1:0"))
        raw.write([0x00, 0x02, 0x01, 0x41])  // SUBSCRIBE "A" as a 2.0 data frame
        let stop = Self.keepPublishing(pub, ["B1", "A1"])
        defer { stop.set() }
        #expect(Self.readUntil(raw, [0x00, 0x02, 0x41, 0x31]))
    }

    @Test func zmtp20SubscriberIsRefusedOnCurve() throws {
        var options = SocketOptions()
        options.security = .curveServer(secretKey: CurveKeyPair.generate().secretKey)
        let pub = try ZMTPSocket(type: .pub, options: options)
        defer { pub.close() }
        let raw = try Self.zmtp20Subscriber(try pub.bind("tcp://127.0.0.1:0"))
        #expect(raw.closedByPeer())
    }
}

/// Tells a publishing thread to end.
final class StopFlag: Sendable {
    private let flag = Atomic(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
