import Foundation
import TestSupport
import Testing
@testable import ZMTP

/// Our DEALER and ROUTER against pyzmq (libzmq 4.3.5), in both directions, NULL security.
@Suite(.serialized) struct InteropNullTests {
    /// Runs an echo loop on our ROUTER (through the loop-thread handler) until the test ends.
    static func echoRouter(_ options: SocketOptions = SocketOptions(), bind: String = "tcp://127.0.0.1:0") throws -> (ZMTPSocket, Endpoint) {
        let router = try ZMTPSocket(type: .router, options: options)
        router.serve { peer, message in
            try? router.send([peer] + message, timeout: .zero)
        }
        let endpoint = try router.bind(bind)
        return (router, endpoint)
    }

    @Test func ourDealerToPyzmqRouterMultipartAndOrder() throws {
        let peer = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--mode", "echo"])
        defer { peer.stop() }
        var options = SocketOptions()
        options.identity = Array("mc0-dealer".utf8)
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(try peer.endpoint())

        let multipart: [[UInt8]] = [[], [], Array("hello".utf8), [], [1, 2, 3]]
        try dealer.send(multipart, timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(10)) == multipart)
        #expect(peer.waitLine("PEER ") == "PEER " + "mc0-dealer".utf8.map { String(format: "%02x", $0) }.joined())

        let big = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try dealer.send([big], timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(20)) == [big])

        #expect(try Self.pipelinedEcho(dealer, count: 100_000) == "ok")
    }

    /// Sends `count` numbered messages while another thread receives the echoes; "ok" when
    /// every one came back in order.
    static func pipelinedEcho(_ dealer: ZMTPSocket, count: Int) throws -> String? {
        let receiver = Thread.detachNewThreadResult {
            for i in 0..<count {
                let m = try dealer.receive(timeout: .seconds(30))
                guard m == [withUnsafeBytes(of: UInt64(i).bigEndian, Array.init)] else { return "message \(i) was \(m)" }
            }
            return "ok"
        }
        for i in 0..<count { try dealer.send([withUnsafeBytes(of: UInt64(i).bigEndian, Array.init)], timeout: .seconds(30)) }
        return receiver.wait(timeout: 90)
    }

    @Test func pyzmqDealerToOurRouter() throws {
        let (router, endpoint) = try Self.echoRouter()
        defer { router.close() }
        for args in [["--count", "100000", "--size", "16"],
                     ["--count", "200", "--multipart", "--size", "100"],
                     ["--count", "3", "--size", "\(4 << 20)"],
                     ["--count", "50", "--identity", "node-7"]] {
            let client = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint.description, "--mode", "client", "--fail-on-disconnect"] + args)
            #expect(client.waitExit(timeout: 60) == 0, "pyzmq client \(args): \(client.allLines)")
            #expect(client.allLines.contains { $0.hasPrefix("OK ") })
        }
    }

    @Test func pyzmqPeerWithHeartbeatsStaysConnected() throws {
        // libzmq PINGs every 100 ms and drops us if no PONG comes within 300 ms.
        let (router, endpoint) = try Self.echoRouter()
        defer { router.close() }
        let client = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint.description, "--mode", "client",
                                      "--heartbeat-ivl", "100", "--heartbeat-ttl", "500", "--heartbeat-timeout", "300",
                                      "--count", "8", "--interval-ms", "250", "--fail-on-disconnect"])
        #expect(client.waitExit(timeout: 30) == 0, "\(client.allLines)")

        // And our heartbeats toward a pyzmq ROUTER: it must answer our PINGs, or we would drop it.
        let echo = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--mode", "echo"])
        defer { echo.stop() }
        var options = SocketOptions()
        options.heartbeatInterval = .milliseconds(50)
        options.heartbeatTimeout = .milliseconds(500)
        let events = EventLog()
        options.onEvent = { events.append($0) }
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(try echo.endpoint())
        for i in 0..<5 {
            try dealer.send([[UInt8(i)]], timeout: .seconds(5))
            #expect(try dealer.receive(timeout: .seconds(5)) == [[UInt8(i)]])
            Thread.sleep(forTimeInterval: 0.2)  // idle time for PING/PONG, not synchronisation
        }
        #expect(!events.all.contains { if case .disconnected = $0 { return true } else { return false } })
    }

    @Test func dealerReconnectsWhenPyzmqRouterRestarts() throws {
        var peer = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--mode", "echo"])
        let endpoint = try peer.endpoint()
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try dealer.send([Array("before".utf8)], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(10)) == [Array("before".utf8)])

        peer.kill()
        peer.waitExit()
        peer = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", endpoint, "--mode", "echo"])
        defer { peer.stop() }
        _ = try peer.endpoint()
        try dealer.send([Array("after".utf8)], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(10)) == [Array("after".utf8)])
    }

    @Test func ourDealerAndRouterOverIPv6() throws {
        let (router, endpoint) = try Self.echoRouter(bind: "tcp://[::1]:0")
        defer { router.close() }
        #expect(endpoint.host == "::1" && endpoint.port != 0)
        let client = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint.description, "--mode", "client", "--count", "10"])
        #expect(client.waitExit(timeout: 30) == 0, "\(client.allLines)")
    }
}

