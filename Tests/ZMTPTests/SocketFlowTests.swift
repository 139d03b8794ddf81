import Foundation
import Testing
import TestSupport
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// The loop-thread flow-control API of a ROUTER (ZMTPSocket+Flow.swift) and the owed-bytes
/// read bound, over real loopback connections.
@Suite struct SocketFlowTests {
    /// What the loop-thread handlers saw, for the test thread.
    final class Recorder: @unchecked Sendable {
        private let condition = NSCondition()
        private var messages: [[[UInt8]]] = []
        private var lowWater: [[UInt8]] = []
        private var disconnects: [[UInt8]] = []

        func message(_ peer: [UInt8], _ frames: [[UInt8]]) { change { messages.append([peer] + frames) } }
        func drained(_ peer: [UInt8]) { change { lowWater.append(peer) } }
        func disconnected(_ peer: [UInt8]) { change { disconnects.append(peer) } }

        var received: [[[UInt8]]] { locked { messages } }
        var drainedPeers: [[UInt8]] { locked { lowWater } }
        var disconnectedPeers: [[UInt8]] { locked { disconnects } }

        /// Waits (bounded) until `condition` holds over what was recorded.
        func wait(timeout: Double = 10, until done: (Recorder) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                let seen = locked { generation }
                if done(self) { return true }
                if Date() >= deadline { return false }
                condition.lock()
                if generation == seen { _ = condition.wait(until: deadline) }
                condition.unlock()
            }
        }

        private var generation = 0

        private func locked<T>(_ body: () -> T) -> T {
            condition.lock()
            defer { condition.unlock() }
            return body()
        }

        private func change(_ body: () -> Void) {
            condition.lock()
            body()
            generation += 1
            condition.broadcast()
            condition.unlock()
        }
    }

    static func id(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A ROUTER whose handler records every message, drain and disconnect.
    static func router(_ options: SocketOptions = SocketOptions(), recorder: Recorder,
                       reply: (@Sendable (ZMTPSocket, [UInt8], [[UInt8]]) -> Void)? = nil) throws -> (ZMTPSocket, String) {
        let router = try ZMTPSocket(type: .router, options: options)
        router.serve({ [router] peer, message in
            recorder.message(peer, message)
            reply?(router, peer, message)
        }, onDisconnect: { peer in recorder.disconnected(peer) })
        router.onLowWater { peer in recorder.drained(peer) }
        let endpoint = try router.bind("tcp://127.0.0.1:0").description
        return (router, endpoint)
    }

    static func dealer(_ name: String, to endpoint: String, receiveHighWaterMark: Int = 1000,
                       reconnectInterval: Duration = .milliseconds(100)) throws -> ZMTPSocket {
        var options = SocketOptions()
        options.identity = id(name)
        options.receiveHighWaterMark = receiveHighWaterMark
        options.reconnectInterval = reconnectInterval
        options.linger = .zero
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        try dealer.connect(endpoint)
        return dealer
    }

    /// Sends one message from `dealer` and waits until the router handled it (the connection
    /// is attached and read).
    static func hello(_ dealer: ZMTPSocket, _ name: String, _ recorder: Recorder) throws {
        try dealer.send([id("hello")], timeout: .seconds(5))
        #expect(recorder.wait { $0.received.contains([id(name), id("hello")]) })
    }

    @Test func pausingOnePeerLeavesTheOthersFlowingAndLosesNothing() throws {
        let recorder = Recorder()
        let (router, endpoint) = try Self.router(recorder: recorder)
        defer { router.close() }
        let a = try Self.dealer("a", to: endpoint)
        let b = try Self.dealer("b", to: endpoint)
        defer { a.close(); b.close() }
        try Self.hello(a, "a", recorder)
        try Self.hello(b, "b", recorder)

        #expect(try router.loop.submit { router.pauseReading(from: Self.id("a")) })
        #expect(try router.loop.submit { !router.pauseReading(from: Self.id("nobody")) })
        for n in 0..<10 { try a.send([[UInt8(n)]], timeout: .seconds(5)) }
        // Round trips through b give a's messages time to arrive: none may be handled.
        for n in 0..<50 {
            try b.send([[UInt8(n)]], timeout: .seconds(5))
            #expect(recorder.wait { $0.received.last == [Self.id("b"), [UInt8(n)]] })
        }
        #expect(!recorder.received.contains { $0.first == Self.id("a") && $0.count == 2 && $0[1].count == 1 })
        #expect(try router.loop.submit { router.resumeReading(from: Self.id("a")) })
        #expect(recorder.wait { $0.received.filter { $0.first == Self.id("a") }.count == 11 })
        let fromA = recorder.received.filter { $0.first == Self.id("a") }.dropFirst()
        #expect(fromA.map { $0[1] } == (0..<10).map { [UInt8($0)] })
    }

    @Test func sendPastTheHighWaterMarkQueuesEverythingAndReportsTheDrain() throws {
        var options = SocketOptions()
        options.sendHighWaterMark = 10
        let recorder = Recorder()
        let (router, endpoint) = try Self.router(options, recorder: recorder)
        defer { router.close() }
        let dealer = try Self.dealer("d", to: endpoint)
        defer { dealer.close() }
        try Self.hello(dealer, "d", recorder)

        // All in one loop task: no flush runs in between, so the queue grows past the mark.
        let full: [Bool] = try router.loop.submit {
            (0..<50).map { n in (try? router.sendPastHighWaterMark(to: Self.id("d"), [[UInt8(n)]])) ?? false }
        }
        #expect(full == (0..<50).map { $0 >= 9 })
        #expect(throws: SocketError.hostUnreachable(routingID: Self.id("nobody"))) {
            try router.loop.submit { try router.sendPastHighWaterMark(to: Self.id("nobody"), [[1]]) }
        }
        for n in 0..<50 { #expect(try dealer.receive(timeout: .seconds(5)) == [[UInt8(n)]]) }
        #expect(recorder.wait { $0.drainedPeers == [Self.id("d")] })
        #expect(!router.isAtHighWaterMark(Self.id("d")))
        #expect(!router.isAtHighWaterMark(Self.id("nobody")))
    }

    @Test func disconnectDropsTheQueueAndWritesTheFinalMessage() throws {
        let recorder = Recorder()
        let (router, endpoint) = try Self.router(recorder: recorder)
        defer { router.close() }
        let dealer = try Self.dealer("d", to: endpoint)
        defer { dealer.close() }
        try Self.hello(dealer, "d", recorder)

        let done: Bool = try router.loop.submit {
            for n in 0..<5 { _ = try? router.sendPastHighWaterMark(to: Self.id("d"), [[UInt8(n)]]) }
            return router.disconnect(Self.id("d"), finalMessage: [Self.id("bye")])
        }
        #expect(done)
        #expect(try dealer.receive(timeout: .seconds(5)) == [Self.id("bye")])
        #expect(throws: SocketError.timedOut) { try dealer.receive(timeout: .milliseconds(100)) }
        #expect(try router.loop.submit { !router.disconnect(Self.id("nobody")) })
        #expect(recorder.disconnectedPeers.isEmpty)
    }

    /// A new connection that takes over a routing id (handover) takes over its flow-control
    /// state: it is paused if the old one was, and a drain waited for is reported (the old
    /// queue went with the old connection).
    @Test func handoverKeepsThePauseAndReportsTheDrain() throws {
        var options = SocketOptions()
        options.sendHighWaterMark = 10
        let recorder = Recorder()
        let (router, endpoint) = try Self.router(options, recorder: recorder)
        defer { router.close() }
        // It takes one message in and then reads no more; it must not come back by itself.
        let old = try Self.dealer("d", to: endpoint, receiveHighWaterMark: 1, reconnectInterval: .seconds(60))
        defer { old.close() }
        try Self.hello(old, "d", recorder)
        let body = [UInt8](repeating: 1, count: 64 << 10)
        let full: Bool = try router.loop.submit {
            router.pauseReading(from: Self.id("d"))
            var full = false
            for _ in 0..<400 { full = (try? router.sendPastHighWaterMark(to: Self.id("d"), [body])) ?? false }
            return full
        }
        #expect(full)

        let new = try Self.dealer("d", to: endpoint)
        defer { new.close() }
        #expect(recorder.wait { $0.drainedPeers == [Self.id("d")] })
        // Sent once the handover is done, so it cannot share a read with the handshake.
        try new.send([Self.id("after")], timeout: .seconds(5))
        // A round trip through another peer gives it time to arrive: it must not be handled.
        let other = try Self.dealer("e", to: endpoint)
        defer { other.close() }
        try Self.hello(other, "e", recorder)
        #expect(!recorder.received.contains([Self.id("d"), Self.id("after")]))
        #expect(try router.loop.submit { router.resumeReading(from: Self.id("d")) })
        #expect(recorder.wait { $0.received.contains([Self.id("d"), Self.id("after")]) })
    }

    /// Messages a DEALER queued below its high-water mark are not owed in the sense of the
    /// bound, however many bytes: its peer may be waiting for it to read before it reads again.
    @Test func queuedSendsBelowTheMarkDoNotStopReading() throws {
        let recorder = Recorder()
        let (router, endpoint) = try Self.router(recorder: recorder)
        defer { router.close() }
        var options = SocketOptions()
        options.identity = Self.id("d")
        options.maxOwedBytes = 1 << 20
        options.linger = .zero
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try Self.hello(dealer, "d", recorder)

        #expect(try router.loop.submit { router.pauseReading(from: Self.id("d")) })
        // 25 MiB: more than the kernel buffers between the two hold, so most stays queued.
        let body = [UInt8](repeating: 2, count: 64 << 10)
        for _ in 0..<400 { try dealer.send([body], timeout: .seconds(5)) }
        try router.send([Self.id("d"), Self.id("reply")])
        #expect(try dealer.receive(timeout: .seconds(5)) == [Self.id("reply")])
        #expect(try router.loop.submit { router.resumeReading(from: Self.id("d")) })
        #expect(recorder.wait(timeout: 30) { $0.received.count == 401 })
    }

    /// A peer that sends requests and never reads the replies: the router stops reading it
    /// once maxOwedBytes are owed, so its memory stays bounded; nothing is lost once it reads.
    @Test func readingPausesWhileTooMuchIsOwedToThePeer() throws {
        var options = SocketOptions()
        options.maxOwedBytes = 256 << 10
        let recorder = Recorder()
        let body = [UInt8](repeating: 7, count: 1024)
        let (router, endpoint) = try Self.router(options, recorder: recorder) { router, peer, message in
            _ = try? router.sendPastHighWaterMark(to: peer, message)
        }
        defer { router.close() }
        let dealer = try Self.dealer("d", to: endpoint, receiveHighWaterMark: 1)
        defer { dealer.close() }
        try Self.hello(dealer, "d", recorder)
        #expect(try dealer.receive(timeout: .seconds(5)) == [Self.id("hello")])

        func owed() throws -> (bytes: Int, paused: Bool) {
            try router.loop.submit {
                guard let connection = router.connections.values.first else { return (0, false) }
                let queued = router.lock.withLock { connection.pipe.outbound.payloadBytes }
                return (connection.engine.outputCount + queued, connection.owedPaused)
            }
        }
        var sent = 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            do {
                try dealer.send([body], timeout: .milliseconds(100))
                sent += 1
            } catch SocketError.timedOut {
                if try owed().paused { break }
            }
        }
        let (bytes, paused) = try owed()
        #expect(paused)
        // The bound, plus what one read already brought in (at most 16 reads of 64 KiB).
        #expect(bytes <= options.maxOwedBytes + (1 << 20) + (64 << 10), "owed \(bytes) bytes")
        let handled = recorder.received.count - 1
        #expect(handled < sent)
        for _ in 0..<sent { #expect(try dealer.receive(timeout: .seconds(10)) == [body]) }
        #expect(recorder.received.count - 1 == sent)
        #expect(try owed().paused == false)
    }
}
