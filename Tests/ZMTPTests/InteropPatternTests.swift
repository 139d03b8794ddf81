import Foundation
import TestSupport
import Testing
import ZMTP

/// Every socket pattern against pyzmq (libzmq 4.3.5), in both directions, under NULL and CURVE.
/// One pyzmq process per test serves all its sockets.
@Suite(.serialized) struct InteropPatternTests {
    @Test(arguments: PatternLink.all) func ourPubFiltersForPyzmqSub(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        var (pub, endpoint) = try link.join(.pub, peer, "sub", "SUB")
        defer { pub.close() }
        let publisher = { (p: ZMTPSocket) in Publisher { try? p.send([Array($0.utf8)], timeout: .zero) } }
        let subscriber = Subscriber(subscribe: { try peer.subscribe("sub", $0) }, unsubscribe: { try peer.unsubscribe("sub", $0) },
                                    receive: { peer.receiveText("sub", timeoutMs: $0)?.first })
        try PubSubScenario.run(publisher(pub), subscriber) {
            pub.close()
            var restarted: ZMTPSocket?
            // Bound again on the same port, which the closed socket frees from its loop thread.
            #expect(waitUntil { restarted = try? link.join(.pub, peer, "sub", "SUB", existing: true, endpoint: endpoint).0; return restarted != nil })
            pub = try #require(restarted)
            return publisher(pub)
        }
    }

    @Test(arguments: PatternLink.all) func pyzmqPubFiltersForOurSub(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (sub, endpoint) = try link.join(.sub, peer, "pub", "PUB")
        defer { sub.close() }
        var name = "pub"
        let publisher = { Publisher { peer.send(name, $0, timeoutMs: 0) } }
        let subscriber = Subscriber(subscribe: { try sub.subscribe($0) }, unsubscribe: { try sub.unsubscribe($0) },
                                    receive: { sub.receiveText($0) })
        try PubSubScenario.run(publisher(), subscriber) {
            try peer.ok("close \(name)")
            name = "pub2"
            try peer.socket(name, "PUB", link.theirSecurity)
            if link.weBind {
                try peer.connect(name, endpoint)
            } else {
                // libzmq closes a socket on its reaper thread: the port frees a moment later.
                #expect(waitUntil { peer.call("bind \(name) \(endpoint)")?.hasPrefix("OK") == true })
            }
            return publisher()
        }
    }

    @Test(arguments: PatternLink.all) func ourXpubSeesPyzmqSubscriptions(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (xpub, _) = try link.join(.xpub, peer, "sub", "SUB")
        defer { xpub.close() }
        try peer.subscribe("sub", "A")
        #expect(Self.receive(xpub, poking: peer, "sub") == [[1] + Array("A".utf8)])
        try xpub.sendText("A1")
        #expect(peer.receiveText("sub") == ["A1"])
        try peer.unsubscribe("sub", "A")
        #expect(Self.receive(xpub, poking: peer, "sub") == [[0] + Array("A".utf8)])
    }

    /// A bound libzmq SUB sends its subscriptions only once its application thread attaches the
    /// new connection, which happens inside a call on the socket: a zero-wait receive stands
    /// for the application's next call (libzmq's lazy command processing).
    static func receive(_ socket: ZMTPSocket, poking peer: PatternPeer, _ name: String) -> [[UInt8]]? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let message = try? socket.receive(timeout: .milliseconds(20)) { return message }
            peer.call("recv \(name) 0")
        }
        return nil
    }

    @Test(arguments: PatternLink.all) func ourXsubSubscribesAtPyzmqXpub(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (xsub, _) = try link.join(.xsub, peer, "xpub", "XPUB")
        defer { xsub.close() }
        try xsub.send([[1] + Array("B".utf8)], timeout: .seconds(5))
        #expect(peer.receive("xpub") == [[1] + Array("B".utf8)])
        #expect(peer.send("xpub", "Bhello", "part"))
        #expect(try xsub.receive(timeout: .seconds(10)) == [Array("Bhello".utf8), Array("part".utf8)])
    }

    @Test(arguments: PatternLink.all) func ourReqToPyzmqRep(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (req, _) = try link.join(.req, peer, "rep", "REP")
        defer { req.close() }
        #expect(throws: SocketError.invalidState) { try req.receive(timeout: .zero) }
        for i in 0..<3 {
            try req.sendText("q\(i)", "more")
            #expect(throws: SocketError.invalidState) { try req.sendText("too soon") }
            #expect(peer.receiveText("rep") == ["q\(i)", "more"])
            #expect(peer.send("rep", "a\(i)"))
            #expect(req.receiveText(10_000) == "a\(i)")
        }
    }

    @Test(arguments: PatternLink.all) func pyzmqReqToOurRep(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (rep, _) = try link.join(.rep, peer, "req", "REQ")
        defer { rep.close() }
        #expect(throws: SocketError.invalidState) { try rep.sendText("no request yet") }
        for i in 0..<3 {
            #expect(peer.send("req", "q\(i)", "more"))
            #expect(try rep.receive(timeout: .seconds(10)) == [Array("q\(i)".utf8), Array("more".utf8)])
            try rep.sendText("a\(i)")
            #expect(peer.receiveText("req") == ["a\(i)"])
        }
    }

    @Test func reqRelaxedRecoversFromADeadRep() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("dead", "REP")
        try peer.socket("live", "REP")
        var options = SocketOptions()
        options.reqRelaxed = true
        options.reqCorrelate = true
        let req = try ZMTPSocket(type: .req, options: options)
        defer { req.close() }
        try req.connect(try peer.bind("dead"))
        try req.sendText("lost")
        #expect(peer.receiveText("dead") == ["lost"])
        try peer.ok("close dead")
        #expect(req.receiveText(200) == nil)
        try req.connect(try peer.bind("live"))
        // Relaxed: a new request instead of EFSM. As in libzmq, the dead endpoint keeps its
        // queue (it may come back), so the round robin may give it a turn first: resend until
        // the live REP has one; correlation keeps a stale reply out.
        var answered: String?
        for attempt in 0..<3 where answered == nil {
            try req.sendText("again \(attempt)")
            if peer.call("echo live 1 500") == "OK" { answered = req.receiveText(10_000) ?? "no reply" }
        }
        #expect(answered?.hasPrefix("again ") == true, "\(String(describing: answered))")
    }

    @Test func ourRepBehindAPyzmqRouterDealerProxy() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("front", "ROUTER")
        try peer.socket("back", "DEALER")
        let front = try peer.bind("front")
        let back = try peer.bind("back")
        try peer.ok("proxy front back")
        let rep = try ZMTPSocket(type: .rep)
        defer { rep.close() }
        try rep.connect(back)
        for client in ["c1", "c2"] {
            try peer.socket(client, "REQ")
            try peer.connect(client, front)
        }
        for client in ["c1", "c2", "c1"] {
            #expect(peer.send(client, "from \(client)"))
            #expect(try rep.receive(timeout: .seconds(10)) == [Array("from \(client)".utf8)])
            try rep.sendText("to \(client)")
            #expect(peer.receiveText(client) == ["to \(client)"])
        }
    }

    @Test(arguments: PatternLink.all) func ourPushRoundRobinsToPyzmqPulls(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let events = EventLog()
        var options = SocketOptions()
        options.onEvent = { events.append($0) }
        let (push, endpoint) = try link.join(.push, options: options, peer, "a", "PULL")
        defer { push.close() }
        if link.weBind {
            try peer.socket("b", "PULL", link.theirSecurity)
            try peer.connect("b", endpoint)
        } else {
            try peer.socket("b", "PULL", link.theirSecurity)
            try push.connect(try peer.bind("b"))
        }
        #expect(waitUntil { events.all.filter { if case .handshakeSucceeded = $0 { true } else { false } }.count == 2 })
        for i in 0..<6 { try push.sendText("m\(i)") }
        let a = (0..<3).compactMap { _ in peer.receiveText("a")?.first }
        let b = (0..<3).compactMap { _ in peer.receiveText("b")?.first }
        #expect(Set(a + b) == Set((0..<6).map { "m\($0)" }))
        #expect(a == ["m0", "m2", "m4"] || a == ["m1", "m3", "m5"], "round robin: \(a) \(b)")
    }

    @Test(arguments: PatternLink.all) func ourPullFairQueuesPyzmqPushes(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (pull, endpoint) = try link.join(.pull, peer, "a", "PUSH")
        defer { pull.close() }
        try peer.socket("b", "PUSH", link.theirSecurity)
        if link.weBind { try peer.connect("b", endpoint) } else { try pull.connect(try peer.bind("b")) }
        for i in 0..<3 {
            #expect(peer.send("a", "a\(i)", "x"))
            #expect(peer.send("b", "b\(i)"))
        }
        var got: [[String]] = []
        for _ in 0..<6 { if let m = try? pull.receive(timeout: .seconds(10)) { got.append(m.map { String(decoding: $0, as: UTF8.self) }) } }
        #expect(got.filter { $0[0].hasPrefix("a") } == (0..<3).map { ["a\($0)", "x"] }, "each sender's order, multipart whole")
        #expect(got.filter { $0[0].hasPrefix("b") } == (0..<3).map { ["b\($0)"] })
    }

    @Test(arguments: PatternLink.all) func pairWithPyzmqPair(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (pair, _) = try link.join(.pair, peer, "pair", "PAIR")
        defer { pair.close() }
        try pair.sendText("to pyzmq", "2")
        #expect(peer.receiveText("pair") == ["to pyzmq", "2"])
        #expect(peer.send("pair", "to us"))
        #expect(pair.receiveText(10_000) == "to us")
    }

    /// PLAIN, either side being the server: PUSH to PULL, with the credentials checked by our
    /// authenticator or by pyzmq's ZAP handler.
    @Test(arguments: [true, false]) func pushToPullOverPlain(weServe: Bool) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        var options = SocketOptions()
        if weServe {
            options.security = .plainServer(authenticator: PlainUsers(["admin": "secret"]))
            let pull = try ZMTPSocket(type: .pull, options: options)
            defer { pull.close() }
            try peer.socket("push", "PUSH", "plain-client admin secret")
            try peer.connect("push", try pull.bind("tcp://127.0.0.1:0").description)
            #expect(peer.send("push", "over plain"))
            #expect(pull.receiveText(10_000) == "over plain")
        } else {
            options.security = try .plainClient(username: "admin", password: "secret")
            let push = try ZMTPSocket(type: .push, options: options)
            defer { push.close() }
            try peer.socket("pull", "PULL", "plain-server admin secret")
            try push.connect(try peer.bind("pull"))
            try push.sendText("over plain")
            #expect(peer.receiveText("pull", timeoutMs: 10_000) == ["over plain"])
        }
    }

    /// RFC 37's table, as libzmq 4.3's mechanism_t::check_socket_type applies it.
    static let compatible: [SocketType: Set<SocketType>] = [
        .req: [.rep, .router], .rep: [.req, .dealer], .dealer: [.rep, .dealer, .router], .router: [.req, .dealer, .router],
        .pub: [.sub, .xsub], .xpub: [.sub, .xsub], .sub: [.pub, .xpub], .xsub: [.pub, .xpub],
        .push: [.pull], .pull: [.push], .pair: [.pair],
    ]

    /// Every pair of types: compatible ones complete the handshake, incompatible ones are
    /// refused (pyzmq sees the connection close without a handshake).
    @Test func socketTypeMatrix() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let all = SocketType.allCases
        for ours in all {
            let socket = try ZMTPSocket(type: ours)
            defer { socket.close() }
            let endpoint = try socket.bind("tcp://127.0.0.1:0").description
            for theirs in all {
                let name = "\(ours.rawValue)-\(theirs.rawValue)"
                try peer.socket(name, theirs.rawValue)
                try peer.connect(name, endpoint)
                if Self.compatible[ours]!.contains(theirs) {
                    #expect(peer.event(name, "HANDSHAKE_OK"), "\(name) should work")
                } else {
                    #expect(peer.event(name, "DISCONNECTED"), "\(name) should be refused")
                    #expect(!peer.process.allLines.contains("EVENT \(name) HANDSHAKE_OK"), "\(name) should be refused")
                }
                try peer.ok("close \(name)")
            }
        }
    }
}
