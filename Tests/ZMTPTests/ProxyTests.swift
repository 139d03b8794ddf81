import Foundation
import TestSupport
import Testing
import ZMTP

/// ZMTPProxy carrying pyzmq traffic: a ROUTER↔DEALER request-reply device between pyzmq REQ
/// clients and a pyzmq REP worker, its capture, and steering through a control socket.
@Suite(.serialized) struct ProxyTests {
    /// Our ROUTER frontend and DEALER backend, bound, with the proxy running on a thread.
    struct Device {
        let frontend: ZMTPSocket
        let backend: ZMTPSocket
        let frontendEndpoint: String
        let backendEndpoint: String
        let finished: ThreadResult

        init(capture: ZMTPSocket? = nil, control: ZMTPSocket? = nil) throws {
            frontend = try ZMTPSocket(type: .router)
            backend = try ZMTPSocket(type: .dealer)
            frontendEndpoint = try frontend.bind("tcp://127.0.0.1:0").description
            backendEndpoint = try backend.bind("tcp://127.0.0.1:0").description
            let proxy = ZMTPProxy(frontend: frontend, backend: backend, capture: capture, control: control)
            finished = Thread.detachNewThreadResult { try proxy.run(); return "terminated" }
        }

        func close() {
            frontend.close()
            backend.close()
        }
    }

    @Test func routerDealerDeviceCarriesPyzmqRequestsBothWays() throws {
        let device = try Device()
        defer { device.close() }
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("worker", "REP")
        try peer.connect("worker", device.backendEndpoint)
        for client in ["a", "b"] {
            try peer.socket(client, "REQ")
            try peer.connect(client, device.frontendEndpoint)
        }
        for round in 0..<3 {
            for client in ["a", "b"] {
                #expect(peer.send(client, "\(client)\(round)", "part 2"))
                #expect(peer.receiveText("worker") == ["\(client)\(round)", "part 2"])
                #expect(peer.send("worker", "re \(client)\(round)"))
                #expect(peer.receiveText(client) == ["re \(client)\(round)"])
            }
        }
    }

    @Test func captureGetsACopyOfEveryMessage() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("tap", "ROUTER")
        let tapEndpoint = try peer.bind("tap")
        let capture = try ZMTPSocket(type: .dealer)
        defer { capture.close() }
        try capture.connect(tapEndpoint)
        let device = try Device(capture: capture)
        defer { device.close() }
        try peer.socket("worker", "REP")
        try peer.connect("worker", device.backendEndpoint)
        try peer.socket("client", "REQ")
        try peer.connect("client", device.frontendEndpoint)

        #expect(peer.send("client", "ping"))
        #expect(peer.receiveText("worker") == ["ping"])
        #expect(peer.send("worker", "pong"))
        #expect(peer.receiveText("client") == ["pong"])
        // The tap (a ROUTER) sees the capture's routing id, then each message as the proxy moved
        // it: the request with the client's routing id and the delimiter, the reply likewise.
        let request = try #require(peer.receive("tap"))
        let reply = try #require(peer.receive("tap"))
        #expect(request.count == 4 && request[2] == [] && request[3] == Array("ping".utf8), "\(request)")
        #expect(reply.count == 4 && reply[1] == request[1] && reply[3] == Array("pong".utf8), "\(reply)")
    }

    @Test func controlPausesResumesReportsAndTerminates() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("steer", "DEALER")
        let steerEndpoint = try peer.bind("steer")
        let control = try ZMTPSocket(type: .dealer)
        defer { control.close() }
        try control.connect(steerEndpoint)
        let device = try Device(control: control)
        defer { device.close() }
        try peer.socket("worker", "REP")
        try peer.connect("worker", device.backendEndpoint)
        try peer.socket("client", "REQ")
        try peer.connect("client", device.frontendEndpoint)

        #expect(peer.send("client", "one"))
        #expect(peer.receiveText("worker") == ["one"])
        #expect(peer.send("steer", "PAUSE"))
        // STATISTICS after PAUSE proves PAUSE was taken (one control socket, read in order).
        #expect(peer.send("steer", "STATISTICS"))
        let counters = try #require(peer.receive("steer")).map(Self.counter)
        // [routing id, delimiter, "one"] in from the frontend and out to the backend.
        #expect(counters.count == 8 && counters[0] == 3 && counters[2...5] == [0, 0, 0, 0] && counters[6] == 3, "\(counters)")
        #expect(counters.count == 8 && counters[1] > 3 && counters[1] == counters[7], "\(counters)")
        #expect(peer.send("worker", "two"))
        #expect(peer.receive("client", timeoutMs: 300) == nil, "paused: the reply waits")
        #expect(peer.send("steer", "RESUME"))
        #expect(peer.receiveText("client") == ["two"])
        #expect(peer.send("steer", "TERMINATE"))
        #expect(device.finished.wait(timeout: 10) == "terminated")
    }

    @Test func runThrowsWhenASocketIsClosed() throws {
        let device = try Device()
        device.backend.close()
        #expect(device.finished.wait(timeout: 10) == "error: \(SocketError.closed)")
        device.close()
    }

    /// A PULL→PUSH streamer whose PUSH has no peer waits for the PUSH to have room, not on the
    /// PULL: closing the PULL must still end the run at once.
    @Test func runThrowsWhenASocketItIsNotWaitingOnIsClosed() throws {
        let pull = try ZMTPSocket(type: .pull)
        let push = try ZMTPSocket(type: .push)
        _ = try pull.bind("tcp://127.0.0.1:0")
        _ = try push.bind("tcp://127.0.0.1:0")
        let proxy = ZMTPProxy(frontend: pull, backend: push)
        let finished = Thread.detachNewThreadResult { try proxy.run(); return "terminated" }
        pull.close()
        #expect(finished.wait(timeout: 10) == "error: \(SocketError.closed)")
        push.close()
    }

    static func counter(_ frame: [UInt8]) -> UInt64 {
        frame.count == 8 ? frame.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } : .max
    }
}
