import Foundation
import Testing
import TestSupport
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// Bad peers over real sockets: each is refused with a closed connection, and the socket keeps
/// serving good peers.
@Suite struct HostileInputTests {
    static func router(_ configure: (inout SocketOptions) -> Void = { _ in }) throws -> (ZMTPSocket, UInt16, EventLog) {
        var options = SocketOptions()
        let events = EventLog()
        options.onEvent = { events.append($0) }
        configure(&options)
        let router = try ZMTPSocket(type: .router, options: options)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        return (router, endpoint.port, events)
    }

    static var greeting: [UInt8] { Greeting(mechanism: "NULL").encoded() }

    @Test func zmtp2GreetingIsRefused() throws {
        let (router, port, events) = try Self.router()
        defer { router.close() }
        let client = try RawPeer(port: port)
        var v2 = Self.greeting
        v2[10] = 1
        client.write(Array(v2.prefix(12)))
        #expect(client.closedByPeer())
        #expect(events.wait { if case .handshakeFailed(_, .unsupportedVersion(1)) = $0 { return true } else { return false } })
    }

    @Test func httpRequestIsRefused() throws {
        let (router, port, _) = try Self.router()
        defer { router.close() }
        let client = try RawPeer(port: port)
        client.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(client.closedByPeer())
    }

    @Test func stalledGreetingIsCutAtHandshakeTimeout() throws {
        let (router, port, events) = try Self.router { $0.handshakeTimeout = .milliseconds(300) }
        defer { router.close() }
        let client = try RawPeer(port: port)
        client.write(Array(Self.greeting.prefix(5)))
        let started = Date()
        #expect(client.closedByPeer())
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(events.wait { if case .handshakeFailed(_, .handshakeTimeout) = $0 { return true } else { return false } })
    }

    @Test func hugeDeclaredFrameAndGarbageAfterHandshake() throws {
        let (router, port, _) = try Self.router()
        defer { router.close() }
        let ready = WireFrame(flags: 4, body: Command.ready(SocketType.dealer.metadata(identity: [])).encoded()).encoded()
        let huge = try RawPeer(port: port)
        huge.write(Self.greeting + ready + [0x02, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(huge.closedByPeer())

        let garbage = try RawPeer(port: port)
        garbage.write(Self.greeting + ready + [0xF0, 0x01, 0x02, 0x03])
        #expect(garbage.closedByPeer())

        // The socket still serves a well-behaved peer.
        let good = try ZMTPSocket(type: .dealer)
        defer { good.close() }
        try good.connect("tcp://127.0.0.1:\(port)")
        try good.send([[42]], timeout: .seconds(5))
        #expect(try router.receive(timeout: .seconds(5)).last == [42])
    }

    @Test func stalledHandshakesCycleOutOldestFirst() throws {
        let (router, port, _) = try Self.router { $0.maxHandshakingConnections = 4 }
        defer { router.close() }
        let stalled = try (0..<4).map { _ in try RawPeer(port: port) }
        for c in stalled { c.write([0xFF]) }
        // A fifth stalled connection takes the place of the oldest...
        let fifth = try RawPeer(port: port)
        fifth.write([0xFF])
        #expect(stalled[0].closedByPeer())
        // ...and a real client still gets through while the cap is full of stalled ones.
        let good = try ZMTPSocket(type: .dealer)
        defer { good.close() }
        try good.connect("tcp://127.0.0.1:\(port)")
        try good.send([[7]], timeout: .seconds(5))
        #expect(try router.receive(timeout: .seconds(5)).last == [7])
        _ = (stalled, fifth)
    }
}
