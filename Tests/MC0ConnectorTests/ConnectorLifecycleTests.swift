import Foundation
import MC0
@testable import MC0Connector
import Synchronization
import TestSupport
import Testing
import ZMTP

/// The connector's own resources and waits: its timers, its delivery buffer, cancelled calls
/// and a loop that stops under it.
@Suite(.serialized) struct ConnectorLifecycleTests {
    /// A heartbeat period re-arms the timers; the session still holds one handle per purpose.
    @Test func timersStayOnePerPurpose() async throws {
        let (broker, port) = try startFakeBroker()
        defer { broker.stop() }
        let connector = try MC0Connector(config: testConfig(port: port, heartbeat: .milliseconds(100)))
        try await connector.connect()
        #expect(broker.waitLines("RECV NOOP", count: 10, timeout: 20).count >= 10)
        let timers = try connector.loop.submit { connector.timers.count }
        #expect(timers <= 4, "\(timers) timer handles after 10 heartbeat periods")
        await connector.close()
    }

    /// Nothing answers there, and the connect timeout is far off: a call keeps waiting until
    /// the test ends it (with tests running alongside, seconds can pass before it looks).
    static var unanswered: ConnectorConfig {
        var config = testConfig(port: 1)
        config.connectTimeout = .seconds(3600)
        return config
    }

    @Test func callsWaitingWhenTheLoopStopsThrow() async throws {
        let loop = try EventLoop(name: "connector-stops")
        let connector = try MC0Connector(config: Self.unanswered, loop: loop)
        let connecting = Task { try await connector.connect() }
        #expect(await waitUntil(timeout: 120) { (try? loop.submit { connector.connectWaiters.count }) == 1 })
        loop.shutdown()
        let result = await outcome(of: connecting, within: .seconds(120))
        #expect(result.map { if case .failure(let e) = $0 { e as? MC0ConnectorError == .loopStopped } else { false } } == true,
                "got \(String(describing: result))")
        await #expect(throws: MC0ConnectorError.loopStopped) { try await connector.ping() }
        await connector.close()
        #expect(throws: MC0ConnectorError.loopStopped) { try MC0Connector(config: testConfig(port: 1), loop: loop) }
    }

    @Test func cancelledConnectThrowsCancellationError() async throws {
        let connector = try MC0Connector(config: Self.unanswered)
        let connecting = Task { try await connector.connect() }
        #expect(await waitUntil(timeout: 120) { (try? connector.loop.submit { connector.connectWaiters.count }) == 1 })
        connecting.cancel()
        let result = await outcome(of: connecting, within: .seconds(120))
        #expect(result.map { if case .failure(let e) = $0 { e is CancellationError } else { false } } == true,
                "got \(String(describing: result))")
        await connector.close()
    }

    /// A broker (our ROUTER, which never drops: ROUTER_MANDATORY and retries) sends far more
    /// than the connector may hold while nobody reads `messages`: the connector stops reading
    /// at its mark, so later messages wait in the socket and kernel queues, not in the
    /// connector. The pause is not taken for a silent broker. Once read, every message
    /// arrives, in order.
    @Test func aLaggingConsumerPausesReadingAndLosesNothing() async throws {
        var options = SocketOptions()
        options.routerMandatory = true
        let broker = try ZMTPSocket(type: .router, options: options)
        let endpoint = try broker.bind("tcp://127.0.0.1:0")
        defer { broker.close() }
        // This broker never heartbeats, so a sender thread starved for 1.05 heartbeats on a loaded
        // machine would end the session: the heartbeat is long enough that it never does here.
        let heartbeat = Duration.seconds(2)
        var config = testConfig(port: Int(endpoint.port), heartbeat: heartbeat)
        config.messageBuffer = 8
        let events = EventRecorder()
        let connector = try MC0Connector(config: config, onEvent: events.handler)

        let total = 5_000
        let sent = Counter()
        let sender = Thread.detachNewThreadResult {
            let request = try broker.receive(timeout: .seconds(10))
            let client = request[0]
            let connect = try MC0Message.parse(Array(request.dropFirst()))
            guard connect.verb == .connect, let id = connect.header(MC0Header.id) else { return "expected CONNECT" }
            try broker.send([client] + MC0Message(verb: .ok, headers: [(key: MC0Header.id, value: id)]).frames(), timeout: .zero)
            let body = [UInt8](repeating: 7, count: 1024)
            let deadline = Date().addingTimeInterval(60)
            for seq in 0..<total {
                let message = MC0Message(verb: .message, headers: [(key: MC0Header.topic, value: Array("t".utf8)),
                                                                   (key: "X-SEQ", value: Array(String(seq).utf8))],
                                         positional: [body])
                let frames = [client] + message.frames()
                while true {
                    do {
                        try broker.send(frames, timeout: .zero)
                        break
                    } catch SocketError.wouldBlock {
                        // The connector pushes back: retry, never drop.
                        guard Date() < deadline else { return "stuck at \(seq)" }
                        usleep(1_000)
                    }
                }
                sent.value.add(1, ordering: .relaxed)
            }
            return "sent"
        }
        try await connector.connect()
        #expect(await waitUntil(timeout: 30) { connector.deliveries.isPaused }, "reading never paused")
        let atPause = sent.value.load(ordering: .relaxed)
        #expect(await waitUntil(timeout: 30) { sent.value.load(ordering: .relaxed) >= min(total, atPause + 1000) })
        // The mark plus what one 64 KiB read brought in after it was reached.
        let held = connector.deliveries.count
        #expect(held <= 8 + 64, "the connector holds \(held) deliveries with reading paused")
        // Nothing is read while paused, so only the silence check moves lastHeard, by at least
        // a heartbeat once it ran: after that the session must still be up.
        let heard = try connector.loop.submit { connector.lastHeard }
        let beat = UInt64(heartbeat.components.seconds) * 1_000_000_000
        let refreshed = await waitUntil(timeout: 20) { ((try? connector.loop.submit { connector.lastHeard }) ?? 0) > heard + beat }
        #expect(refreshed, "the silence check did not run while reading was paused")
        #expect(!events.all.contains { if case .sessionLost = $0 { true } else { false } }, "\(events.all)")

        let reader = Task { () throws -> [Int] in
            var seqs: [Int] = []
            for await delivery in connector.messages {
                seqs.append(Int(delivery.header("X-SEQ") ?? "") ?? -1)
                if seqs.count == total { break }
            }
            return seqs
        }
        let result = await outcome(of: reader, within: .seconds(120))
        #expect((try? result?.get()) == Array(0..<total), "lost or reordered deliveries")
        #expect(sender.wait(timeout: 30) == "sent")
        await connector.close()
    }
}

/// A counter closures can share.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
