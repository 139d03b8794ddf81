import Foundation
import Glibc
import Testing
import TestSupport
@testable import ZMTP

/// DEALER/ROUTER semantics over real loopback sockets, ours on both ends.
@Suite struct SocketBehaviourTests {
    static func pair(routerOptions: SocketOptions = SocketOptions(), dealerOptions: SocketOptions = SocketOptions()) throws
        -> (router: ZMTPSocket, dealer: ZMTPSocket) {
        let router = try ZMTPSocket(type: .router, options: routerOptions)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let dealer = try ZMTPSocket(type: .dealer, options: dealerOptions)
        try dealer.connect(endpoint.description)
        return (router, dealer)
    }

    @Test func routerPrefixesRoutingIDsAndRoutesReplies() throws {
        var options = SocketOptions()
        options.identity = Array("alpha".utf8)
        let (router, dealer) = try Self.pair(dealerOptions: options)
        let anonymous = try ZMTPSocket(type: .dealer)
        try anonymous.connect(try router.boundEndpoint())
        defer { dealer.close(); anonymous.close(); router.close() }

        try dealer.send([Array("hi".utf8)], timeout: .seconds(5))
        #expect(try router.receive(timeout: .seconds(5)) == [Array("alpha".utf8), Array("hi".utf8)])
        try anonymous.send([[], [7]], timeout: .seconds(5))
        let fromAnonymous = try router.receive(timeout: .seconds(5))
        #expect(fromAnonymous.count == 3 && fromAnonymous[0].count == 5 && fromAnonymous[0][0] == 0)

        try router.send([Array("alpha".utf8), Array("reply".utf8)])
        #expect(try dealer.receive(timeout: .seconds(5)) == [Array("reply".utf8)])
        try router.send([fromAnonymous[0], [], [8]])
        #expect(try anonymous.receive(timeout: .seconds(5)) == [[], [8]])
        try router.send(to: Array("alpha".utf8), [Array("direct".utf8)])
        #expect(try dealer.receive(timeout: .seconds(5)) == [Array("direct".utf8)])
        #expect(throws: SocketError.self) { try dealer.send(to: [1], [[1]]) }
    }

    @Test func routerDropsOrRefusesUnknownPeers() throws {
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        try router.send([Array("nobody".utf8), [1]])  // dropped silently, as libzmq does
        var options = SocketOptions()
        options.routerMandatory = true
        let mandatory = try ZMTPSocket(type: .router, options: options)
        defer { mandatory.close() }
        #expect(throws: SocketError.hostUnreachable(routingID: Array("nobody".utf8))) {
            try mandatory.send([Array("nobody".utf8), [1]])
        }
        #expect(throws: SocketError.self) { try mandatory.send([Array("only-id".utf8)]) }
    }

    /// The allocation-free path: one reused Message each way, ROUTER routing ids included,
    /// interleaved with the array API on the same sockets.
    @Test func reusedMessagesBothWays() throws {
        var options = SocketOptions()
        options.identity = Array("beta".utf8)
        let (router, dealer) = try Self.pair(dealerOptions: options)
        defer { dealer.close(); router.close() }
        var received = Message()
        let large = [UInt8](repeating: 3, count: 100 << 10)
        for (i, frames) in [[[1, 2]], [[], [3], []], [large, [4]], [[5]]].enumerated() {
            if i % 2 == 0 { try dealer.send(Message(frames), timeout: .seconds(5)) } else { try dealer.send(frames, timeout: .seconds(5)) }
            try router.receive(into: &received, timeout: .seconds(5))
            #expect(received.frames == [Array("beta".utf8)] + frames)
            try router.send(received, timeout: .seconds(5))  // routing id first: back to the dealer
            #expect(try dealer.receive(timeout: .seconds(5)) == frames)
        }
        #expect(throws: SocketError.self) { try router.send(Message([Array("beta".utf8)])) }
        #expect(throws: SocketError.self) { try dealer.send(Message()) }
        #expect(throws: SocketError.timedOut) { try dealer.receive(into: &received, timeout: .milliseconds(20)) }
    }

    /// Large bodies received into a Message are reused for later large frames; a frame the
    /// application kept is not changed by that.
    @Test func largeBodiesAreReusedWithoutTouchingWhatWasKept() throws {
        let (router, dealer) = try Self.pair()
        defer { dealer.close(); router.close() }
        let bodies = (0..<4).map { i in [UInt8](repeating: UInt8(i + 1), count: (64 << 10) - i) }
        for body in bodies { try dealer.send([body], timeout: .seconds(5)) }
        var message = Message()
        try router.receive(into: &message, timeout: .seconds(5))
        let kept = message[1]
        #expect(Array(kept) == bodies[0])
        for body in bodies.dropFirst() {
            try router.receive(into: &message, timeout: .seconds(5))
            #expect(Array(message[1]) == body)
        }
        #expect(Array(kept) == bodies[0])
    }

    @Test func dealerBlocksAtHighWaterMarkWithoutPeers() throws {
        var options = SocketOptions()
        options.sendHighWaterMark = 3
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        options.linger = .zero
        defer { dealer.close() }
        // No connect at all: nothing can take a message.
        #expect(throws: SocketError.wouldBlock) { try dealer.send([[1]], timeout: .zero) }
        #expect(throws: SocketError.timedOut) { try dealer.send([[1]], timeout: .milliseconds(50)) }

        // Connected to a port nobody listens on: the pipe queues up to the HWM, then blocks.
        let closedPort = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        TCP.close(closedPort.fd)
        let queued = try ZMTPSocket(type: .dealer, options: options)
        try queued.connect("tcp://127.0.0.1:\(closedPort.port)")
        for i in 0..<3 { try queued.send([[UInt8(i)]], timeout: .zero) }
        #expect(throws: SocketError.wouldBlock) { try queued.send([[9]], timeout: .zero) }
        queued.close()
    }

    @Test func sendHighWaterBytesBoundsQueuedBytes() throws {
        var options = SocketOptions()
        options.sendHighWaterBytes = 10_000
        options.linger = .zero
        let closedPort = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        TCP.close(closedPort.fd)
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect("tcp://127.0.0.1:\(closedPort.port)")
        // 4 KiB messages: the third crosses 10,000 bytes, the fourth must wait.
        for _ in 0..<3 { try dealer.send([[UInt8](repeating: 1, count: 4096)], timeout: .zero) }
        #expect(throws: SocketError.wouldBlock) { try dealer.send([[1]], timeout: .zero) }
    }

    @Test func queuedMessagesFlowOnceThePeerAppears() throws {
        // Reserve a port, start the dealer first, then bind the router on that port.
        let reserved = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        TCP.close(reserved.fd)
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        try dealer.connect("tcp://127.0.0.1:\(reserved.port)")
        for i in 0..<10 { try dealer.send([[UInt8(i)]], timeout: .zero) }
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        try router.bind("tcp://127.0.0.1:\(reserved.port)")
        for i in 0..<10 { #expect(try router.receive(timeout: .seconds(10)).last == [UInt8(i)]) }
    }

    @Test func handoverGivesTheRoutingIDToTheNewConnection() throws {
        var options = SocketOptions()
        options.identity = Array("node-1".utf8)
        let (router, first) = try Self.pair(dealerOptions: options)
        defer { router.close(); first.close() }
        try first.send([[1]], timeout: .seconds(5))
        _ = try router.receive(timeout: .seconds(5))
        let second = try ZMTPSocket(type: .dealer, options: options)
        defer { second.close() }
        try second.connect(try router.boundEndpoint())
        try second.send([[2]], timeout: .seconds(5))
        #expect(try router.receive(timeout: .seconds(5)) == [Array("node-1".utf8), [2]])
        try router.send([Array("node-1".utf8), Array("to-second".utf8)])
        #expect(try second.receive(timeout: .seconds(5)) == [Array("to-second".utf8)])
    }

    @Test func maximumMessageSizeClosesTheOffender() throws {
        var options = SocketOptions()
        options.maxMessageSize = 1024
        let events = EventLog()
        options.onEvent = { events.append($0) }
        let (router, dealer) = try Self.pair(routerOptions: options)
        defer { router.close(); dealer.close() }
        try dealer.send([[UInt8](repeating: 1, count: 100)], timeout: .seconds(5))
        #expect(try router.receive(timeout: .seconds(5)).last?.count == 100)
        try dealer.send([[UInt8](repeating: 1, count: 2000)], timeout: .seconds(5))
        #expect(events.wait { if case .disconnected(_, .protocolError(.frameTooLarge)) = $0 { return true } else { return false } })
        #expect(throws: SocketError.timedOut) { try router.receive(timeout: .milliseconds(100)) }
    }

    @Test func asyncSendAndReceive() async throws {
        let (router, dealer) = try Self.pair()
        defer { router.close(); dealer.close() }
        try await dealer.send([Array("async".utf8)])
        let got = try await router.receive()
        #expect(got.last == Array("async".utf8))
        try await router.send([got[0], Array("back".utf8)])
        #expect(try await dealer.receive() == [Array("back".utf8)])
    }

    @Test func closeWakesBlockedReceivers() async throws {
        let dealer = try ZMTPSocket(type: .dealer)
        let pending = Task { try await dealer.receive() }
        try await Task.sleep(for: .milliseconds(20))  // let the receive park; close must wake it either way
        dealer.close()
        await #expect(throws: SocketError.closed) { try await pending.value }
        #expect(throws: SocketError.closed) { try dealer.send([[1]]) }
    }

    @Test func lingerFlushesQueuedMessagesOnClose() throws {
        let (router, dealer) = try Self.pair()
        defer { router.close() }
        for i in 0..<1000 { try dealer.send([[UInt8(i & 0xFF), UInt8(i >> 8)]], timeout: .seconds(5)) }
        dealer.close()
        for i in 0..<1000 { #expect(try router.receive(timeout: .seconds(5)).last == [UInt8(i & 0xFF), UInt8(i >> 8)]) }
    }

    @Test func receiveHighWaterMarkPushesBackWithoutLoss() throws {
        var options = SocketOptions()
        options.receiveHighWaterMark = 10
        let (router, dealer) = try Self.pair(routerOptions: options)
        defer { router.close(); dealer.close() }
        let count = 5000
        let sender = Thread.detachNewThreadResult {
            for i in 0..<count { try dealer.send([withUnsafeBytes(of: UInt32(i).bigEndian, Array.init)], timeout: .seconds(20)) }
            return "ok"
        }
        for i in 0..<count {
            #expect(try router.receive(timeout: .seconds(20)).last == withUnsafeBytes(of: UInt32(i).bigEndian, Array.init))
        }
        #expect(sender.wait(timeout: 30) == "ok")
    }

    @Test func fairQueueAcrossPeers() throws {
        let router = try ZMTPSocket(type: .router)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        defer { router.close() }
        var dealers: [ZMTPSocket] = []
        for name in ["a", "b"] {
            var o = SocketOptions()
            o.identity = Array(name.utf8)
            let d = try ZMTPSocket(type: .dealer, options: o)
            try d.connect(endpoint.description)
            dealers.append(d)
        }
        defer { for d in dealers { d.close() } }
        for d in dealers { for _ in 0..<50 { try d.send([[1]], timeout: .seconds(5)) } }
        // Wait (bounded) until both floods sit in the router's queues, then receive: fair
        // queueing must alternate between the two peers, one message at a time.
        let deadline = Date().addingTimeInterval(10)
        while router.lock.withLock({ router.pipes.map(\.inbound.count) }) != [50, 50], Date() < deadline {
            Thread.sleep(forTimeInterval: 0.005)
        }
        var order: [[UInt8]] = []
        for _ in 0..<100 { order.append(try router.receive(timeout: .seconds(5))[0]) }
        for i in stride(from: 0, to: 100, by: 2) { #expect(order[i] != order[i + 1]) }
    }
}

@Suite struct BlockedSenderTests {
    @Test func senderBlockedWithoutPeersIsReleasedWhenOneConnects() throws {
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        let endpoint = try dealer.bind("tcp://127.0.0.1:0")
        let sender = Thread.detachNewThreadResult {
            try dealer.send([Array("waited".utf8)], timeout: .seconds(10))
            return "sent"
        }
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        try router.connect(endpoint.description)
        #expect(sender.wait(timeout: 10) == "sent")
        #expect(try router.receive(timeout: .seconds(5)).last == Array("waited".utf8))
    }
}

extension ZMTPSocket {
    /// The first listener's endpoint, for tests that bind port 0.
    func boundEndpoint() throws -> String {
        try onLoop { self.listeners[0].endpoint.description }
    }
}
