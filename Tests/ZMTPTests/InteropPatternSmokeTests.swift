import Foundation
import Testing
import TestSupport
@testable import ZMTP

/// One exchange per socket-type pair with pyzmq (libzmq 4.3.5), each side binding once; the
/// full matrix (CURVE, both directions of every pair) is in the interop suites.
@Suite(.serialized) struct InteropPatternSmokeTests {
    static func pyzmq(_ type: String, _ how: String, _ endpoint: String, _ mode: String, _ args: [String] = []) throws -> ChildProcess {
        try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                         ["python3", "-u", Repository.fixtures.appendingPathComponent("pattern_smoke.py").path,
                          type, how, endpoint, mode] + args)
    }

    static func hex(_ s: String) -> String { s.utf8.map { String(format: "%02x", $0) }.joined() }
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func pyzmqPubToOurSub() throws {
        let pub = try Self.pyzmq("PUB", "bind", "tcp://127.0.0.1:0", "send", ["Apple", "x"])
        defer { pub.stop() }
        let other = try Self.pyzmq("PUB", "bind", "tcp://127.0.0.1:0", "send", ["Banana"])
        defer { other.stop() }
        let sub = try ZMTPSocket(type: .sub)
        defer { sub.close() }
        try sub.connect(try pub.endpoint())
        try sub.connect(try other.endpoint())
        try sub.subscribe("A")
        for _ in 0..<5 { #expect(try sub.receive(timeout: .seconds(10)) == [Self.bytes("Apple"), Self.bytes("x")]) }
    }

    @Test func ourPubToPyzmqSub() throws {
        let pub = try ZMTPSocket(type: .pub)
        defer { pub.close() }
        let endpoint = try pub.bind("tcp://127.0.0.1:0")
        let sub = try Self.pyzmq("SUB", "connect", endpoint.description, "recv", ["A"])
        defer { sub.stop() }
        _ = try sub.endpoint()
        var got: String?
        for _ in 0..<500 where got == nil {
            try pub.send([Self.bytes("Bad")], timeout: .zero)
            try pub.send([Self.bytes("Apple")], timeout: .zero)
            got = sub.waitLine("GOT ", timeout: 0.02)
        }
        #expect(got == "GOT " + Self.hex("Apple"))
        #expect(!sub.allLines.contains("GOT " + Self.hex("Bad")))
    }

    @Test func pyzmqXsubToOurXpub() throws {
        let xpub = try ZMTPSocket(type: .xpub)
        defer { xpub.close() }
        let endpoint = try xpub.bind("tcp://127.0.0.1:0")
        let xsub = try Self.pyzmq("XSUB", "connect", endpoint.description, "request", ["\u{1}T"])
        defer { xsub.stop() }
        #expect(try xpub.receive(timeout: .seconds(10)) == [[1] + Self.bytes("T")])
        try xpub.send([Self.bytes("T1")], timeout: .zero)
        #expect(xsub.waitLine("GOT ") == "GOT " + Self.hex("T1"))
    }

    @Test func pyzmqXpubToOurXsub() throws {
        let xpub = try Self.pyzmq("XPUB", "bind", "tcp://127.0.0.1:0", "send", ["T2"])
        defer { xpub.stop() }
        let xsub = try ZMTPSocket(type: .xsub)
        defer { xsub.close() }
        try xsub.connect(try xpub.endpoint())
        try xsub.send([[1] + Self.bytes("T")], timeout: .seconds(5))
        #expect(try xsub.receive(timeout: .seconds(10)) == [Self.bytes("T2")])
    }

    @Test func ourReqToPyzmqRep() throws {
        let rep = try Self.pyzmq("REP", "bind", "tcp://127.0.0.1:0", "echo")
        defer { rep.stop() }
        let req = try ZMTPSocket(type: .req)
        defer { req.close() }
        try req.connect(try rep.endpoint())
        for i in 0..<3 {
            try req.send([Self.bytes("q\(i)"), []], timeout: .seconds(5))
            #expect(try req.receive(timeout: .seconds(10)) == [Self.bytes("q\(i)"), []])
        }
    }

    @Test func pyzmqReqToOurRep() throws {
        let rep = try ZMTPSocket(type: .rep)
        defer { rep.close() }
        let endpoint = try rep.bind("tcp://127.0.0.1:0")
        let req = try Self.pyzmq("REQ", "connect", endpoint.description, "request", ["hello"])
        defer { req.stop() }
        #expect(try rep.receive(timeout: .seconds(10)) == [Self.bytes("hello")])
        try rep.send([Self.bytes("world")], timeout: .seconds(5))
        #expect(req.waitLine("GOT ") == "GOT " + Self.hex("world"))
    }

    @Test func ourPushToPyzmqPull() throws {
        let pull = try Self.pyzmq("PULL", "bind", "tcp://127.0.0.1:0", "recv")
        defer { pull.stop() }
        let push = try ZMTPSocket(type: .push)
        defer { push.close() }
        try push.connect(try pull.endpoint())
        for i in 0..<10 { try push.send([Self.bytes("m\(i)")], timeout: .seconds(5)) }
        #expect(pull.waitLines("GOT ", count: 10) == (0..<10).map { "GOT " + Self.hex("m\($0)") })
    }

    @Test func pyzmqPushToOurPull() throws {
        let pull = try ZMTPSocket(type: .pull)
        defer { pull.close() }
        let endpoint = try pull.bind("tcp://127.0.0.1:0")
        let push = try Self.pyzmq("PUSH", "connect", endpoint.description, "send", ["work", "item"])
        defer { push.stop() }
        #expect(try pull.receive(timeout: .seconds(10)) == [Self.bytes("work"), Self.bytes("item")])
    }

    @Test func pairBothWaysWithPyzmq() throws {
        let peer = try Self.pyzmq("PAIR", "bind", "tcp://127.0.0.1:0", "echo")
        defer { peer.stop() }
        let pair = try ZMTPSocket(type: .pair)
        defer { pair.close() }
        try pair.connect(try peer.endpoint())
        try pair.send([Self.bytes("one"), Self.bytes("two")], timeout: .seconds(5))
        #expect(try pair.receive(timeout: .seconds(10)) == [Self.bytes("one"), Self.bytes("two")])
    }

    /// Our SUB connecting to a pyzmq PULL: refused at the handshake, and our side backs off.
    /// libzmq checks our READY before it sends its own and closes at once, so our side sees
    /// only the close (as a libzmq peer would), not the type.
    @Test func incompatiblePyzmqPeerIsRefusedAndWeBackOff() throws {
        let pull = try Self.pyzmq("PULL", "bind", "tcp://127.0.0.1:0", "recv")
        defer { pull.stop() }
        let events = EventLog()
        var options = SocketOptions()
        options.reconnectInterval = .milliseconds(10)
        options.onEvent = { events.append($0) }
        let sub = try ZMTPSocket(type: .sub, options: options)
        defer { sub.close() }
        try sub.connect(try pull.endpoint())
        #expect(events.wait { if case .handshakeFailed = $0 { return true } else { return false } })
        _ = events.wait(timeout: 1.5) { _ in false }  // a window to count attempts in
        let attempts = events.all.filter { if case .handshakeFailed = $0 { return true } else { return false } }.count
        #expect(attempts <= 15, "\(attempts) attempts in 1.5 s with a 10 ms interval")
        #expect(pull.allLines.filter { $0.hasPrefix("GOT ") }.isEmpty)
    }
}
