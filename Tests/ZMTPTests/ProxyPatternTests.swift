import Foundation
import TestSupport
import Testing
import ZMTP

/// ZMTPProxy as a publish-subscribe forwarder (XSUB↔XPUB) between pyzmq publishers and
/// subscribers, and steered by a pyzmq REQ through a REP control socket.
@Suite(.serialized) struct ProxyPatternTests {
    @Test func xsubXpubForwarderCarriesSubscriptionsUpAndMessagesDown() throws {
        let xsub = try ZMTPSocket(type: .xsub)
        defer { xsub.close() }
        let xpub = try ZMTPSocket(type: .xpub)
        defer { xpub.close() }
        let publishers = try xsub.bind("tcp://127.0.0.1:0").description
        let subscribers = try xpub.bind("tcp://127.0.0.1:0").description
        let proxy = ZMTPProxy(frontend: xsub, backend: xpub)
        let finished = Thread.detachNewThreadResult { try proxy.run(); return "terminated" }

        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("pub", "PUB")
        try peer.connect("pub", publishers)
        try peer.socket("sub", "SUB")
        try peer.subscribe("sub", "A")
        try peer.connect("sub", subscribers)
        var got: [String] = []
        #expect(waitUntil(timeout: 20) {
            peer.send("pub", "B0", timeoutMs: 0)
            peer.send("pub", "A1", "x", timeoutMs: 0)
            if let m = peer.receiveText("sub", timeoutMs: 20) { got.append(m.joined(separator: "|")) }
            return !got.isEmpty
        })
        #expect(got == ["A1|x"])
        xsub.close()
        #expect(finished.wait(timeout: 10) == "error: \(SocketError.closed)")
    }

    @Test func repControlAnswersAPyzmqReq() throws {
        let frontend = try ZMTPSocket(type: .pull)
        defer { frontend.close() }
        let backend = try ZMTPSocket(type: .push)
        defer { backend.close() }
        let control = try ZMTPSocket(type: .rep)
        defer { control.close() }
        let input = try frontend.bind("tcp://127.0.0.1:0").description
        let output = try backend.bind("tcp://127.0.0.1:0").description
        let steering = try control.bind("tcp://127.0.0.1:0").description
        let proxy = ZMTPProxy(frontend: frontend, backend: backend, control: control)
        let finished = Thread.detachNewThreadResult { try proxy.run(); return "terminated" }

        let peer = try PatternPeer()
        defer { peer.stop() }
        for (name, type, endpoint) in [("in", "PUSH", input), ("out", "PULL", output), ("steer", "REQ", steering)] {
            try peer.socket(name, type)
            try peer.connect(name, endpoint)
        }
        #expect(peer.send("in", "job", "2"))
        #expect(peer.receiveText("out") == ["job", "2"])
        #expect(peer.send("steer", "STATISTICS"))
        let counters = try #require(peer.receive("steer")).map(ProxyTests.counter)
        #expect(counters == [2, 4, 0, 0, 0, 0, 2, 4])
        for command in ["PAUSE", "RESUME", "NONSENSE"] {
            #expect(peer.send("steer", command))
            #expect(peer.receive("steer") == [[]], "REP control: an empty reply to \(command)")
        }
        #expect(peer.send("steer", "TERMINATE"))
        #expect(peer.receive("steer") == [[]])
        #expect(finished.wait(timeout: 10) == "terminated")
    }
}
