import Foundation
import Testing
import TestSupport
@testable import ZMTP

/// The poller over three sockets: readable, writable, the timeout, and a sleeping poll woken
/// by another thread's change. Blocking code, so the tests are synchronous.
@Suite struct ZMTPPollerTests {
    /// A ROUTER and two DEALERs ("a", "b") connected to it, the router knowing both.
    static func trio() throws -> (router: ZMTPSocket, a: ZMTPSocket, b: ZMTPSocket) {
        let router = try ZMTPSocket(type: .router)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        func dealer(_ id: String) throws -> ZMTPSocket {
            var options = SocketOptions()
            options.identity = Array(id.utf8)
            let dealer = try ZMTPSocket(type: .dealer, options: options)
            try dealer.connect(endpoint.description)
            try dealer.send([Array("hello".utf8)], timeout: .seconds(120))
            return dealer
        }
        let a = try dealer("a"), b = try dealer("b")
        for _ in 0..<2 { _ = try router.receive(timeout: .seconds(120)) }
        return (router, a, b)
    }

    static func summary(_ ready: [ZMTPPoller.Ready]) -> [PollEvents] { ready.map(\.events) }

    @Test func readableWritableAndTimeoutOverThreeSockets() throws {
        let (router, a, b) = try Self.trio()
        defer { a.close(); b.close(); router.close() }
        let poller = ZMTPPoller()
        poller.add(a, for: .readable)
        poller.add(b, for: .readable)
        poller.add(router, for: .readable)

        let start = monotonicNow()
        #expect(poller.poll(timeout: .milliseconds(50)).isEmpty, "nothing is queued")
        #expect(monotonicNow() - start >= 50_000_000, "the poll waited its timeout")
        #expect(poller.poll(timeout: .zero).isEmpty)

        try router.send([Array("b".utf8), Array("to b".utf8)], timeout: .zero)
        let ready = poller.poll(timeout: .seconds(120))
        #expect(ready.count == 1 && ready.first?.socket === b && ready.first?.events == .readable)
        #expect(try b.receive(timeout: .zero) == [Array("to b".utf8)])
        #expect(poller.poll(timeout: .zero).isEmpty, "b's only message was taken")

        try a.send([Array("up".utf8)], timeout: .seconds(120))
        try router.send([Array("a".utf8), Array("to a".utf8)], timeout: .zero)
        #expect(waitUntil(timeout: 120) { poller.poll(timeout: .seconds(120)).count == 2 })
        #expect(poller.poll(timeout: .zero).map { $0.socket === a || $0.socket === router } == [true, true])

        poller.add(a, for: .writable)  // replaces readable
        poller.add(router, for: [.readable, .writable])
        #expect(Self.summary(poller.poll(timeout: .zero)) == [.writable, [.readable, .writable]])
    }

    /// A DEALER with no peer cannot take a message; once it connects it can (it queues for the
    /// new pipe), and a poll sleeping on another thread wakes for it.
    @Test func sleepingPollWakesWhenASocketBecomesWritable() throws {
        let router = try ZMTPSocket(type: .router)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let dealer = try ZMTPSocket(type: .dealer)
        let idle = try ZMTPSocket(type: .dealer)
        defer { dealer.close(); idle.close(); router.close() }
        let poller = ZMTPPoller()
        poller.add(dealer, for: .writable)
        poller.add(idle, for: [.readable, .writable])
        #expect(poller.poll(timeout: .zero).isEmpty)

        let result = Thread.detachNewThreadResult {
            let ready = poller.poll(timeout: .seconds(120))
            return ready.map { $0.socket === dealer ? "dealer \($0.events.rawValue)" : "other" }.joined(separator: ",")
        }
        try dealer.connect(endpoint.description)
        #expect(result.wait(timeout: 120) == "dealer \(PollEvents.writable.rawValue)")
    }

    @Test func sleepingPollWakesForAMessageAndForClose() throws {
        let (router, a, b) = try Self.trio()
        defer { a.close(); router.close() }
        let poller = ZMTPPoller()
        poller.add(a, for: .readable)
        let message = Thread.detachNewThreadResult { "\(poller.poll(timeout: .seconds(120)).count)" }
        try router.send([Array("a".utf8), Array("wake".utf8)], timeout: .zero)
        #expect(message.wait(timeout: 120) == "1")

        poller.remove(a)
        poller.add(b, for: .readable)
        let closed = Thread.detachNewThreadResult {
            poller.poll(timeout: .seconds(120)).map { $0.socket === b ? "b" : "other" }.joined()
        }
        b.close()
        #expect(closed.wait(timeout: 120) == "b", "a closed socket is ready: a call on it returns at once")
        #expect(throws: SocketError.closed) { try b.receive(timeout: .zero) }
    }

    @Test func aDroppedPollerLeavesNoWakerOnItsSockets() throws {
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        do {
            let poller = ZMTPPoller()
            poller.add(dealer, for: .readable)
            #expect(dealer.lock.withLock { dealer.pollWakers.count } == 1)
        }
        #expect(dealer.lock.withLock { dealer.pollWakers.count } == 0)
    }
}
