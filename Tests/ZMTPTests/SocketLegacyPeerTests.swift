import Foundation
import Testing
import TestSupport
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// Older peers over raw sockets: ZMTP 3.0 peers get and give subscriptions as 0x01/0x00
/// messages, ZMTP 2.0 peers are served on NULL (libzmq 3.x speaks it) and refused on CURVE.
@Suite struct SocketLegacyPeerTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func bound(_ type: SocketType, _ configure: (inout SocketOptions) -> Void = { _ in }) throws -> (ZMTPSocket, UInt16, EventLog) {
        var options = SocketOptions()
        let events = EventLog()
        options.onEvent = { events.append($0) }
        configure(&options)
        let socket = try ZMTPSocket(type: type, options: options)
        return (socket, try socket.bind("tcp://127.0.0.1:0").port, events)
    }

    /// A ZMTP 3.0 NULL greeting and READY for a peer of `type`.
    static func zmtp30Handshake(_ type: SocketType) -> [UInt8] {
        Greeting(minor: 0, mechanism: "NULL").encoded()
            + WireFrame(flags: WireFrame.command, body: Command.ready(type.metadata(identity: [])).encoded()).encoded()
    }

    /// A ZMTP 2.0 greeting as libzmq 3.x sends it, with the identity frame.
    static func zmtp2Handshake(_ type: SocketType, identity: [UInt8] = []) -> [UInt8] {
        [0xFF, 0, 0, 0, 0, 0, 0, 0, UInt8(identity.count + 1), 0x7F, 0x01, type.zmqNumber, 0x00, UInt8(identity.count)] + identity
    }

    /// Reads our 3.x greeting and READY (its size is in its header).
    static func readGreetingAndReady(_ raw: RawPeer) -> [UInt8] {
        let greeting = raw.read(64)
        let header = raw.read(2)
        guard header.count == 2 else { return [] }
        return greeting + header + raw.read(Int(header[1]))
    }

    @Test func zmtp30SubscriberSubscribesWithMessages() throws {
        let (xpub, port, _) = try Self.bound(.xpub)
        defer { xpub.close() }
        let raw = try RawPeer(port: port)
        raw.write(Self.zmtp30Handshake(.sub) + [0x00, 0x02, 0x01, 0x41])
        #expect(Self.readGreetingAndReady(raw).count > 64)
        #expect(try xpub.receive(timeout: .seconds(5)) == [[1, 0x41]])
        try xpub.send([Self.bytes("Aone")], timeout: .zero)
        try xpub.send([Self.bytes("Bone")], timeout: .zero)
        try xpub.send([Self.bytes("Atwo")], timeout: .zero)
        #expect(raw.read(12) == [0x00, 0x04] + Self.bytes("Aone") + [0x00, 0x04] + Self.bytes("Atwo"))
    }

    /// Our SUB sends a ZMTP 3.0 publisher the message form, a 3.1 one the command form.
    @Test(arguments: [UInt8(0), 1]) func subSendsTheFormThePeerReads(_ minor: UInt8) throws {
        let (sub, port, _) = try Self.bound(.sub)
        defer { sub.close() }
        try sub.subscribe("A")
        let raw = try RawPeer(port: port)
        raw.write(Greeting(minor: minor, mechanism: "NULL").encoded()
                  + WireFrame(flags: WireFrame.command, body: Command.ready(SocketType.pub.metadata(identity: [])).encoded()).encoded())
        #expect(Self.readGreetingAndReady(raw).count > 64)
        if minor == 0 {
            #expect(raw.read(4) == [0x00, 0x02, 0x01, 0x41])
        } else {
            #expect(raw.read(13) == [0x04, 0x0B, 0x09] + Self.bytes("SUBSCRIBE") + [0x41])
        }
        raw.write([0x00, 0x02] + Self.bytes("A1") + [0x00, 0x02] + Self.bytes("B1"))
        #expect(try sub.receive(timeout: .seconds(5)) == [Self.bytes("A1")])
    }

    /// The capture of a 2.0 DEALER with identity "abc" against libzmq's ROUTER, replayed.
    @Test func zmtp2DealerIsServedByRouterOnNull() throws {
        let (router, port, _) = try Self.bound(.router)
        defer { router.close() }
        let raw = try RawPeer(port: port)
        raw.write(Self.zmtp2Handshake(.dealer, identity: Self.bytes("abc")))
        #expect(raw.read(14) == [0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 0x03, 0x06, 0x00, 0x00])
        raw.write([0x01, 0x02] + Self.bytes("hi") + [0x00, 0x05] + Self.bytes("there"))
        #expect(try router.receive(timeout: .seconds(5)) == [Self.bytes("abc"), Self.bytes("hi"), Self.bytes("there")])
        try router.send([Self.bytes("abc"), Self.bytes("reply")], timeout: .seconds(5))
        #expect(raw.read(7) == [0x00, 0x05] + Self.bytes("reply"))
    }

    @Test func zmtp2SubscriberIsServedByXpubOnNull() throws {
        let (xpub, port, _) = try Self.bound(.xpub)
        defer { xpub.close() }
        let raw = try RawPeer(port: port)
        raw.write(Self.zmtp2Handshake(.sub) + [0x00, 0x02, 0x01, 0x41])
        #expect(raw.read(14) == [0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 0x03, 0x09, 0x00, 0x00])
        #expect(try xpub.receive(timeout: .seconds(5)) == [[1, 0x41]])
        try xpub.send([Self.bytes("Aone")], timeout: .zero)
        try xpub.send([Self.bytes("Bone")], timeout: .zero)
        try xpub.send([Self.bytes("Atwo"), Self.bytes("x")], timeout: .zero)
        #expect(raw.read(15) == [0x00, 0x04] + Self.bytes("Aone") + [0x01, 0x04] + Self.bytes("Atwo") + [0x00, 0x01, 0x78])
    }

    /// A raw 2.0 REQ's request reaches our REP without its delimiter; the reply goes back with it.
    @Test func zmtp2RequesterIsServedByOurRep() throws {
        let (rep, port, _) = try Self.bound(.rep)
        defer { rep.close() }
        let raw = try RawPeer(port: port)
        raw.write(Self.zmtp2Handshake(.req) + [0x01, 0x00, 0x00, 0x05] + Self.bytes("hello"))
        #expect(raw.read(14).count == 14)
        #expect(try rep.receive(timeout: .seconds(5)) == [Self.bytes("hello")])
        try rep.send([Self.bytes("world")], timeout: .seconds(5))
        #expect(raw.read(9) == [0x01, 0x00, 0x00, 0x05] + Self.bytes("world"))
    }

    @Test func zmtp2IsRefusedOnCurve() throws {
        let server = CurveKeyPair.generate()
        let (router, port, events) = try Self.bound(.router) { $0.security = .curveServer(secretKey: server.secretKey) }
        defer { router.close() }
        let raw = try RawPeer(port: port)
        raw.write(Self.zmtp2Handshake(.dealer, identity: Self.bytes("abc")))
        #expect(raw.closedByPeer())
        #expect(events.wait { if case .handshakeFailed(_, .unsupportedVersion(1)) = $0 { return true } else { return false } })
    }
}
