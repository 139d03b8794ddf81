import Foundation
import Testing
import TestSupport
@testable import ZMTP

/// The socket monitor: every event in order for a connect, a refused handshake and a
/// disconnect, the callback seeing the same events, and bounded buffering when nobody reads.
/// (Waits are bounded generously: blocking suites alongside can hold the cooperative threads.)
@Suite struct SocketMonitorTests {
    static let bound = Duration.seconds(120)

    /// The next `count` events (each within the bound).
    static func read(_ monitor: SocketMonitor, _ count: Int) async throws -> [SocketEvent] {
        var events: [SocketEvent] = []
        for _ in 0..<count {
            guard let event = try await monitor.next(timeout: bound) else { break }
            events.append(event)
        }
        return events
    }

    @Test func connectAndDisconnectInOrder() async throws {
        let routerLog = EventLog()
        var routerOptions = SocketOptions()
        routerOptions.onEvent = { routerLog.append($0) }
        let router = try ZMTPSocket(type: .router, options: routerOptions)
        let routerEvents = router.monitor()
        let endpoint = try router.bind("tcp://127.0.0.1:0")

        var dealerOptions = SocketOptions()
        dealerOptions.identity = Array("d".utf8)
        let dealer = try ZMTPSocket(type: .dealer, options: dealerOptions)
        let dealerEvents = dealer.monitor()
        try dealer.connect(endpoint.description)

        let routerSide = try await Self.read(routerEvents, 3)
        #expect(routerSide.count == 3)
        #expect(routerSide.first == .listening(endpoint))
        guard routerSide.count == 3, case .accepted(endpoint, let peer) = routerSide[1] else {
            Issue.record("expected accepted on \(endpoint), got \(routerSide)")
            return
        }
        #expect(routerSide[2] == .handshakeSucceeded(peer: peer, mechanism: "NULL", routingID: Array("d".utf8)))
        #expect(try await Self.read(dealerEvents, 2) == [
            .connected(endpoint),
            .handshakeSucceeded(peer: endpoint.description, mechanism: "NULL", routingID: []),
        ])

        dealer.close()
        #expect(try await Self.read(dealerEvents, 3) == [
            .disconnected(peer: endpoint.description, reason: .closedLocally("socket closed")),
            .closed,
        ], "the monitor ends after closed")
        #expect(try await Self.read(routerEvents, 1) == [
            .disconnected(peer: peer, reason: .connectionLost("peer closed the connection")),
        ])
        router.close()
        #expect(try await Self.read(routerEvents, 2) == [.closed])
        #expect(routerLog.all == [.listening(endpoint), .accepted(endpoint, peer: peer), routerSide[2],
                                  .disconnected(peer: peer, reason: .connectionLost("peer closed the connection")), .closed],
                "the callback sees the monitor's events")
        #expect(routerEvents.droppedEvents == 0 && dealerEvents.droppedEvents == 0)
    }

    /// CURVE with the wrong server key: both sides report the failed handshake with its
    /// typed reason, and the client retries after a delay.
    @Test func refusedHandshakeInOrder() async throws {
        let server = CurveKeyPair.generate()
        var serverOptions = SocketOptions()
        serverOptions.security = .curveServer(secretKey: server.secretKey)
        let router = try ZMTPSocket(type: .router, options: serverOptions)
        let routerEvents = router.monitor()
        let endpoint = try router.bind("tcp://127.0.0.1:0")

        var clientOptions = SocketOptions()
        clientOptions.security = .curveClient(serverKey: CurveKeyPair.generate().publicKey, keyPair: .generate())
        let dealer = try ZMTPSocket(type: .dealer, options: clientOptions)
        defer { dealer.close(); router.close() }
        let dealerEvents = dealer.monitor()
        try dealer.connect(endpoint.description)

        let routerSide = try await Self.read(routerEvents, 3)
        #expect(routerSide.count == 3 && routerSide[0] == .listening(endpoint))
        if routerSide.count == 3, case .accepted(endpoint, let peer) = routerSide[1],
           case .handshakeFailed(peer, let error) = routerSide[2] {
            guard case .handshakeFailed = error else {
                Issue.record("the server cannot open the HELLO, got \(error)")
                return
            }
        } else {
            Issue.record("expected accepted then handshakeFailed, got \(routerSide)")
        }
        let dealerSide = try await Self.read(dealerEvents, 3)
        #expect(dealerSide.count == 3 && dealerSide[0] == .connected(endpoint))
        if dealerSide.count == 3, case .handshakeFailed(endpoint.description, _) = dealerSide[1],
           case .connectRetried(endpoint, let delay) = dealerSide[2] {
            #expect(delay > .zero)
        } else {
            Issue.record("expected handshakeFailed then connectRetried, got \(dealerSide)")
        }
    }

    /// A monitor nobody reads keeps at most its capacity, the latest events, and counts the
    /// rest.
    @Test func unreadMonitorIsBounded() async throws {
        let vacated = try ZMTPSocket(type: .router)
        let endpoint = try vacated.bind("tcp://127.0.0.1:0")
        vacated.close()  // nothing listens there now: every connect is refused and retried
        var options = SocketOptions()
        options.reconnectInterval = .milliseconds(1)
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        let events = dealer.monitor(capacity: 8)
        try dealer.connect(endpoint.description)
        #expect(await waitUntil(timeout: 120) { events.droppedEvents >= 100 }, "dropped \(events.droppedEvents)")
        dealer.close()

        var kept: [SocketEvent] = []
        while let event = try await events.next(timeout: Self.bound) { kept.append(event) }
        #expect(kept.count <= 8)
        #expect(kept.last == .closed, "the newest events are kept: \(kept)")
    }

    @Test func aMonitorMadeAfterCloseEndsAtOnce() async throws {
        let dealer = try ZMTPSocket(type: .dealer)
        dealer.close()
        #expect(try await dealer.monitor().next(timeout: Self.bound) == nil)
    }

    @Test func stoppedMonitorEndsAfterWhatItHeld() async throws {
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        let events = router.monitor()
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        events.stop()
        #expect(try await Self.read(events, 2) == [.listening(endpoint)])
    }

    @Test func nextHonoursItsTimeoutAndCancellation() async throws {
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        let events = dealer.monitor()
        await #expect(throws: SocketError.wouldBlock) { try await events.next(timeout: .zero) }
        await #expect(throws: SocketError.timedOut) { try await events.next(timeout: .milliseconds(20)) }
        let task = Task { try await events.next() }
        #expect(await waitUntil(timeout: 120) { events.buffer.waiting == 1 })
        task.cancel()
        let result = await outcome(of: task, within: Self.bound)
        #expect(result.map { if case .failure(let e) = $0 { e is CancellationError } else { false } } == true, "\(String(describing: result))")
        #expect(events.buffer.waiting == 0, "a cancelled read leaves no waiter behind")
    }
}
