import Foundation
import Synchronization
import Testing
import TestSupport
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// Every socket type against our own sockets, over tcp and inproc: each pattern's routing,
/// its state rules and its drops.
@Suite struct SocketPatternTests {
    static let transports = ["tcp", "inproc"]

    static func socket(_ type: SocketType, _ configure: (inout SocketOptions) -> Void = { _ in }) throws -> ZMTPSocket {
        var options = SocketOptions()
        configure(&options)
        return try ZMTPSocket(type: type, options: options)
    }

    /// Binds `socket` where `transport` says; returns what to connect to.
    static func bind(_ socket: ZMTPSocket, _ transport: String) throws -> String {
        if transport == "inproc" { return try socket.bind("inproc://pattern-\(UUID().uuidString)").description }
        return try socket.bind("tcp://127.0.0.1:0").description
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Publishes `probe` until `sub` receives a message (its subscription has reached the
    /// publisher), each wait bounded; returns what it received.
    static func waitForSubscription(_ pub: ZMTPSocket, _ sub: ZMTPSocket, probe: [[UInt8]]) throws -> [[UInt8]] {
        for _ in 0..<200 {
            try pub.send(probe, timeout: .zero)
            if let message = try? sub.receive(timeout: .milliseconds(25)) { return message }
        }
        throw SocketError.timedOut
    }

    /// Drains what is already queued (late probes), each wait short.
    static func drain(_ socket: ZMTPSocket) {
        while (try? socket.receive(timeout: .milliseconds(50))) != nil {}
    }

    @Test(arguments: transports) func pushRoundRobinsAndPullFairQueues(_ transport: String) throws {
        let pull = try Self.socket(.pull)
        defer { pull.close() }
        let endpoint = try Self.bind(pull, transport)
        let pushes = try (0..<2).map { _ in try Self.socket(.push) }
        defer { for push in pushes { push.close() } }
        for (n, push) in pushes.enumerated() {
            try push.connect(endpoint)
            for i in 0..<3 { try push.send([[UInt8(n)], [UInt8(i)]], timeout: .seconds(5)) }
        }
        var got: [[[UInt8]]] = []
        for _ in 0..<6 { got.append(try pull.receive(timeout: .seconds(5))) }
        for n in 0..<2 {
            #expect(got.filter { $0[0] == [UInt8(n)] }.map { $0[1] } == [[0], [1], [2]], "each pusher's messages whole and in order")
        }
        #expect(throws: SocketError.notSupported) { try pull.send([[1]], timeout: .zero) }
        #expect(throws: SocketError.notSupported) { try pushes[0].receive(timeout: .zero) }
    }

    @Test(arguments: transports) func pushLoadBalancesAcrossPullers(_ transport: String) throws {
        let push = try Self.socket(.push)
        defer { push.close() }
        let endpoint = try Self.bind(push, transport)
        let pulls = try (0..<2).map { _ in try Self.socket(.pull) }
        defer { for pull in pulls { pull.close() } }
        for pull in pulls { try pull.connect(endpoint) }
        // Both connected: a message each way round until each puller has had one.
        var seen = Set<Int>()
        var sent = 0
        while seen.count < 2 && sent < 400 {
            try push.send([Self.bytes("m\(sent)")], timeout: .seconds(5))
            sent += 1
            for (n, pull) in pulls.enumerated() where (try? pull.receive(timeout: .milliseconds(20))) != nil { seen.insert(n) }
        }
        #expect(seen.count == 2, "both pullers get messages")
    }

    @Test(arguments: transports) func pairBothWays(_ transport: String) throws {
        let a = try Self.socket(.pair)
        defer { a.close() }
        let endpoint = try Self.bind(a, transport)
        let b = try Self.socket(.pair)
        defer { b.close() }
        try b.connect(endpoint)
        try b.send([Self.bytes("ping")], timeout: .seconds(5))
        #expect(try a.receive(timeout: .seconds(5)) == [Self.bytes("ping")])
        try a.send([Self.bytes("pong"), []], timeout: .seconds(5))
        #expect(try b.receive(timeout: .seconds(5)) == [Self.bytes("pong"), []])
    }

    /// As libzmq's: the second peer connects but is never read from or sent to.
    @Test func pairIgnoresASecondPeer() throws {
        let a = try Self.socket(.pair)
        defer { a.close() }
        let endpoint = try Self.bind(a, "tcp")
        let first = try Self.socket(.pair)
        defer { first.close() }
        try first.connect(endpoint)
        try first.send([[1]], timeout: .seconds(5))
        #expect(try a.receive(timeout: .seconds(5)) == [[1]])
        let events = EventLog()
        let second = try Self.socket(.pair) { $0.onEvent = { events.append($0) } }
        defer { second.close() }
        try second.connect(endpoint)
        #expect(events.wait { if case .handshakeSucceeded = $0 { return true } else { return false } })
        try second.send([[2]], timeout: .seconds(5))
        #expect(throws: SocketError.timedOut) { try a.receive(timeout: .milliseconds(200)) }
        try a.send([[3]], timeout: .seconds(5))
        #expect(try first.receive(timeout: .seconds(5)) == [[3]])
    }

    @Test(arguments: transports) func subFiltersByPrefixAndUnsubscribes(_ transport: String) throws {
        let pub = try Self.socket(.pub)
        defer { pub.close() }
        let endpoint = try Self.bind(pub, transport)
        let sub = try Self.socket(.sub)
        defer { sub.close() }
        try sub.connect(endpoint)
        try sub.subscribe("A")
        _ = try Self.waitForSubscription(pub, sub, probe: [Self.bytes("A-probe")])
        Self.drain(sub)
        for topic in ["A1", "B1", "AB", "b"] { try pub.send([Self.bytes(topic), [9]], timeout: .zero) }
        #expect(try sub.receive(timeout: .seconds(5)) == [Self.bytes("A1"), [9]])
        #expect(try sub.receive(timeout: .seconds(5)) == [Self.bytes("AB"), [9]])

        try sub.subscribe("B")
        _ = try Self.waitForSubscription(pub, sub, probe: [Self.bytes("B-probe")])
        try sub.unsubscribe("A")
        // The cancel travels behind nothing else: once B's next probe arrives A's is ignored.
        Self.drain(sub)
        for _ in 0..<200 {
            try pub.send([Self.bytes("A-late")], timeout: .zero)
            try pub.send([Self.bytes("B-mark")], timeout: .zero)
            let message = try sub.receive(timeout: .seconds(5))
            if message == [Self.bytes("B-mark")], (try? sub.receive(timeout: .milliseconds(50))) == nil { break }
        }
        try pub.send([Self.bytes("A-after")], timeout: .zero)
        try pub.send([Self.bytes("B-after")], timeout: .zero)
        #expect(try sub.receive(timeout: .seconds(5)) == [Self.bytes("B-after")])
        #expect(throws: SocketError.notSupported) { try sub.send([[1]], timeout: .zero) }
        #expect(throws: SocketError.notSupported) { try pub.receive(timeout: .zero) }
        #expect(throws: SocketError.notSupported) { try pub.subscribe("x") }
    }

    /// The publisher restarts on the same port: the subscriber's subscriptions are sent again.
    @Test func subResubscribesAfterThePublisherRestarts() throws {
        var pub = try Self.socket(.pub)
        let endpoint = try Self.bind(pub, "tcp")
        let sub = try Self.socket(.sub) { $0.reconnectInterval = .milliseconds(20) }
        defer { sub.close() }
        try sub.connect(endpoint)
        try sub.subscribe("T")
        _ = try Self.waitForSubscription(pub, sub, probe: [Self.bytes("T1")])
        pub.close()
        pub = try Self.socket(.pub)
        defer { pub.close() }
        var bound = false
        for _ in 0..<100 where !bound { bound = (try? pub.bind(endpoint)) != nil }
        #expect(bound)
        #expect(try Self.waitForSubscription(pub, sub, probe: [Self.bytes("T2")]) == [Self.bytes("T2")])
    }

    @Test(arguments: transports) func xpubSeesSubscriptionsAndXsubSendsThemAsMessages(_ transport: String) throws {
        let xpub = try Self.socket(.xpub) { $0.xpubWelcomeMessage = Self.bytes("Welcome") }
        defer { xpub.close() }
        let endpoint = try Self.bind(xpub, transport)
        let xsub = try Self.socket(.xsub)
        defer { xsub.close() }
        try xsub.connect(endpoint)
        #expect(try xsub.receive(timeout: .seconds(5)) == [Self.bytes("Welcome")])
        try xsub.send([[1] + Self.bytes("T")], timeout: .seconds(5))
        #expect(try xpub.receive(timeout: .seconds(5)) == [[1] + Self.bytes("T")])
        try xsub.send([[1] + Self.bytes("T")], timeout: .seconds(5))
        try xsub.send([Self.bytes("upstream")], timeout: .seconds(5))
        // Not verbose: the duplicate subscription is not reported, the upstream data is.
        #expect(try xpub.receive(timeout: .seconds(5)) == [Self.bytes("upstream")])
        try xpub.send([Self.bytes("T-data")], timeout: .zero)
        try xpub.send([Self.bytes("U-data")], timeout: .zero)
        #expect(try xsub.receive(timeout: .seconds(5)) == [Self.bytes("T-data")])
        try xsub.send([[0] + Self.bytes("T")], timeout: .seconds(5))
        try xsub.send([[0] + Self.bytes("T")], timeout: .seconds(5))
        #expect(try xpub.receive(timeout: .seconds(5)) == [[0] + Self.bytes("T")], "the last cancel goes up")
        #expect(throws: SocketError.notSupported) { try xsub.subscribe("T") }
    }

    @Test func xpubVerboseAndManual() throws {
        let xpub = try Self.socket(.xpub) {
            $0.xpubVerbose = true
            $0.xpubManual = true
        }
        defer { xpub.close() }
        let endpoint = try Self.bind(xpub, "inproc")
        let sub = try Self.socket(.sub)
        defer { sub.close() }
        try sub.connect(endpoint)
        try sub.subscribe("A")
        try sub.subscribe("A")
        #expect(try xpub.receive(timeout: .seconds(5)) == [[1] + Self.bytes("A")])
        #expect(try xpub.receive(timeout: .seconds(5)) == [[1] + Self.bytes("A")], "verbose: duplicates reported")
        // Manual: nothing applied until the application says, and then what it says.
        try xpub.send([Self.bytes("A-before")], timeout: .zero)
        try xpub.subscribe("B")
        try xpub.send([Self.bytes("A-after")], timeout: .zero)
        try xpub.send([Self.bytes("B-after")], timeout: .zero)
        // The SUB filters too: subscribed to A only, it gets nothing of B's.
        #expect(throws: SocketError.timedOut) { try sub.receive(timeout: .milliseconds(200)) }
        try xpub.subscribe("A")
        try xpub.send([Self.bytes("A-now")], timeout: .zero)
        #expect(try sub.receive(timeout: .seconds(5)) == [Self.bytes("A-now")])
    }

    /// PUB never blocks: a subscriber that does not read loses messages at the high-water mark,
    /// and the publisher counts them.
    /// Peers that take everything and peers that filter, as subscriptions change: each gets
    /// what it subscribed to, once, whichever way the publisher matches.
    @Test(arguments: transports) func pubServesMixedSubscribers(_ transport: String) throws {
        let pub = try Self.socket(.pub)
        defer { pub.close() }
        let endpoint = try Self.bind(pub, transport)
        let all = try Self.socket(.sub)
        defer { all.close() }
        try all.connect(endpoint)
        try all.subscribe("")
        _ = try Self.waitForSubscription(pub, all, probe: [Self.bytes("probe")])
        let filtered = try Self.socket(.sub)
        defer { filtered.close() }
        try filtered.connect(endpoint)
        try filtered.subscribe("A")
        _ = try Self.waitForSubscription(pub, filtered, probe: [Self.bytes("A-probe")])
        try all.subscribe("A")  // a second match for the same peer: still one copy
        _ = try Self.waitForSubscription(pub, filtered, probe: [Self.bytes("A-probe")])
        Self.drain(all)
        Self.drain(filtered)
        for topic in ["B1", "A1", "B2"] { try pub.send([Self.bytes(topic)], timeout: .zero) }
        try pub.send([Self.bytes("A-end")], timeout: .zero)
        var got: [[[UInt8]]] = []
        while got.last != [Self.bytes("A-end")] { got.append(try all.receive(timeout: .seconds(5))) }
        #expect(got == ["B1", "A1", "B2", "A-end"].map { [Self.bytes($0)] })
        #expect(try filtered.receive(timeout: .seconds(5)) == [Self.bytes("A1")])
        #expect(try filtered.receive(timeout: .seconds(5)) == [Self.bytes("A-end")])


        // Once every peer takes everything, every message goes to each of them, still once.
        try filtered.subscribe("")
        _ = try Self.waitForSubscription(pub, filtered, probe: [Self.bytes("B-probe")])
        Self.drain(all)
        Self.drain(filtered)
        try pub.send([Self.bytes("B3")], timeout: .zero)
        try pub.send([Self.bytes("A3")], timeout: .zero)
        for sub in [all, filtered] {
            #expect(try sub.receive(timeout: .seconds(5)) == [Self.bytes("B3")])
            #expect(try sub.receive(timeout: .seconds(5)) == [Self.bytes("A3")])
        }
    }

    @Test func pubDropsAtTheHighWaterMarkAndCountsThem() throws {
        let pub = try Self.socket(.pub) { $0.sendHighWaterMark = 2 }
        defer { pub.close() }
        let endpoint = try Self.bind(pub, "inproc")
        let sub = try Self.socket(.sub) { $0.receiveHighWaterMark = 2 }
        defer { sub.close() }
        try sub.connect(endpoint)
        try sub.subscribe("")
        _ = try Self.waitForSubscription(pub, sub, probe: [Self.bytes("probe")])
        let before = pub.droppedMessages
        for i in 0..<100 { try pub.send([Self.bytes("m\(i)")], timeout: .zero) }
        #expect(pub.droppedMessages - before >= 90)
        #expect(pub.droppedMessages > 0)
    }

    @Test(arguments: transports) func reqRepAlternation(_ transport: String) throws {
        let rep = try Self.socket(.rep)
        defer { rep.close() }
        let endpoint = try Self.bind(rep, transport)
        let req = try Self.socket(.req)
        defer { req.close() }
        try req.connect(endpoint)
        #expect(throws: SocketError.invalidState) { try req.receive(timeout: .zero) }
        #expect(throws: SocketError.invalidState) { try rep.send([[1]], timeout: .zero) }
        for i in 0..<3 {
            try req.send([Self.bytes("question \(i)"), [UInt8(i)]], timeout: .seconds(5))
            #expect(throws: SocketError.invalidState) { try req.send([[1]], timeout: .zero) }
            #expect(try rep.receive(timeout: .seconds(5)) == [Self.bytes("question \(i)"), [UInt8(i)]])
            #expect(throws: SocketError.invalidState) { try rep.receive(timeout: .zero) }
            try rep.send([Self.bytes("answer \(i)")], timeout: .seconds(5))
            #expect(try req.receive(timeout: .seconds(5)) == [Self.bytes("answer \(i)")])
        }
    }

    /// REQ_RELAXED with REQ_CORRELATE: a second request may go before the first's reply, and
    /// the late reply to the first is dropped.
    @Test func reqRelaxedAndCorrelateDropTheLateReply() throws {
        let rep = try Self.socket(.rep)
        defer { rep.close() }
        let endpoint = try Self.bind(rep, "tcp")
        let req = try Self.socket(.req) {
            $0.reqRelaxed = true
            $0.reqCorrelate = true
        }
        defer { req.close() }
        try req.connect(endpoint)
        try req.send([Self.bytes("first")], timeout: .seconds(5))
        #expect(try rep.receive(timeout: .seconds(5)) == [Self.bytes("first")])
        try req.send([Self.bytes("second")], timeout: .seconds(5))
        try rep.send([Self.bytes("reply to first")], timeout: .seconds(5))
        #expect(try rep.receive(timeout: .seconds(5)) == [Self.bytes("second")])
        try rep.send([Self.bytes("reply to second")], timeout: .seconds(5))
        #expect(try req.receive(timeout: .seconds(5)) == [Self.bytes("reply to second")])
    }

    /// REQ → ROUTER–DEALER proxy → ROUTER–DEALER proxy → REP: the reply finds its way back.
    @Test(arguments: transports) func repRepliesOverSeveralHops(_ transport: String) throws {
        let rep = try Self.socket(.rep)
        defer { rep.close() }
        var proxies: [(ZMTPSocket, ZMTPSocket, ProxyThread)] = []
        defer { for (front, back, thread) in proxies { thread.stop(); front.close(); back.close() } }
        var upstream = try Self.bind(rep, transport)
        for _ in 0..<2 {
            let back = try Self.socket(.dealer)
            try back.connect(upstream)
            let front = try Self.socket(.router)
            upstream = try Self.bind(front, transport)
            proxies.append((front, back, ProxyThread(front, back)))
        }
        let reqs = try (0..<2).map { _ in try Self.socket(.req) }
        defer { for req in reqs { req.close() } }
        for req in reqs { try req.connect(upstream) }
        for (n, req) in reqs.enumerated() { try req.send([Self.bytes("from \(n)")], timeout: .seconds(5)) }
        for _ in 0..<2 {
            let request = try rep.receive(timeout: .seconds(5))
            try rep.send([Self.bytes("re: ")] + request, timeout: .seconds(5))
        }
        for (n, req) in reqs.enumerated() {
            #expect(try req.receive(timeout: .seconds(5)) == [Self.bytes("re: "), Self.bytes("from \(n)")])
        }
    }

    /// Incompatible types: refused at the handshake, and the connecting side backs off.
    @Test func incompatibleTypesAreRefusedAndTheDialerBacksOff() throws {
        let serverEvents = EventLog()
        let pull = try Self.socket(.pull) { o in o.onEvent = { serverEvents.append($0) } }
        defer { pull.close() }
        let endpoint = try Self.bind(pull, "tcp")
        let events = EventLog()
        let sub = try Self.socket(.sub) { o in
            o.reconnectInterval = .milliseconds(10)
            o.onEvent = { events.append($0) }
        }
        defer { sub.close() }
        try sub.connect(endpoint)
        #expect(serverEvents.wait {
            if case .handshakeFailed(_, .incompatibleSocketType(local: "PULL", peer: "SUB")) = $0 { return true } else { return false }
        })
        #expect(events.wait { if case .handshakeFailed = $0 { return true } else { return false } })
        // Without backoff a 10 ms interval makes about 100 attempts a second: watch for 1.5 s.
        _ = events.wait(timeout: 1.5) { _ in false }
        let attempts = events.all.filter { if case .handshakeFailed = $0 { return true } else { return false } }.count
        #expect(attempts >= 1 && attempts <= 15, "\(attempts) attempts in 1.5 s")
    }
}

/// A ROUTER–DEALER proxy on a thread of its own, each way polled with a short bound.
final class ProxyThread: @unchecked Sendable {
    private let stopped = Atomic(false)
    private let done = DispatchSemaphore(value: 0)

    init(_ front: ZMTPSocket, _ back: ZMTPSocket) {
        Thread.detachNewThread { [self] in
            while !stopped.load(ordering: .relaxed) {
                if let message = try? front.receive(timeout: .milliseconds(5)) { try? back.send(message, timeout: .seconds(1)) }
                if let message = try? back.receive(timeout: .milliseconds(5)) { try? front.send(message, timeout: .seconds(1)) }
            }
            done.signal()
        }
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        _ = done.wait(timeout: .now() + 5)
    }
}
