import Foundation
import Synchronization
import TestSupport
import Testing
import ZMTP

/// Clients dying mid-message and the broker dying under a thousand clients, against the mc0d
/// binary.
@Suite(.serialized) struct BrokerFaultRestartTests {
    @Test(.timeLimit(.minutes(1)))
    func clientKilledMidMessageLeavesNoTrace() throws {
        let broker = try BrokerProcess(["--no-curve"], logLevel: "info")
        defer { broker.stop() }
        let subscriber = try FaultClient.connected(broker)
        defer { subscriber.close() }
        #expect(try FaultClient.request(subscriber, ["", "SUB", "ID", "s", "", "t"]) == ok("s"))
        let publisher = try FaultClient.connected(broker)
        defer { publisher.close() }
        let baselineFDs = try #require(broker.openDescriptors())

        // (announced body size, bytes of it sent before SIGKILL): a small frame cut short, a
        // large one assembled in its own buffer, and only the header.
        let cases = [(100_000, 50_000), (8 << 20, 4 << 20), (1 << 20, 0)]
        for (n, (announce, send)) in cases.enumerated() {
            let hostile = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [
                "python3", "-u", Repository.fixtures.appendingPathComponent("hostile_client.py").path,
                "--port", "\(broker.port)", "--announce", "\(announce)", "--send", "\(send)"])
            #expect(hostile.waitLine("HALF") != nil, "\(hostile.allLines)")
            #expect(broker.waitUntil(timeout: 10, broker.openDescriptors) { $0 == baselineFDs + 1 })
            hostile.kill()
            hostile.waitExit(timeout: 10)
            // The broker notices, frees the connection and forgets the client.
            #expect(broker.waitUntil(timeout: 10, broker.openDescriptors) { $0 == baselineFDs })
            #expect(broker.waitUntil(timeout: 10, { broker.child.allLines.filter { $0.contains("transport closed") }.count }) { $0 == n + 1 })

            // No piece of the dead message reaches the subscriber; the next one does, whole.
            #expect(throws: SocketError.timedOut) { try subscriber.receive(timeout: .milliseconds(100)) }
            #expect(try FaultClient.request(publisher, ["", "PUT", "TOPIC", "t", "ID", "p", "", "whole \(n)"]) == ok("p"))
            #expect(try FaultClient.reply(subscriber) == ["", "MESSAGE", "TOPIC", "t", "", "whole \(n)"])
        }
    }

    /// Counts handshakes completed across many sockets (their onEvent runs on the loop thread).
    final class HandshakeCounter: Sendable {
        let count = Atomic<Int>(0)
        func record(_ event: SocketEvent) {
            if case .handshakeSucceeded = event { count.add(1, ordering: .relaxed) }
        }
        func wait(for n: Int, timeout: Double) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while count.load(ordering: .relaxed) < n {
                if Date() >= deadline { return false }
                usleep(10_000)
            }
            return true
        }
    }

    /// Sends `message` on every client, then collects every reply (NOOPs skipped).
    static func requestAll(_ clients: [ZMTPSocket], _ message: [String]) throws -> [[String]] {
        for client in clients { try client.send(FaultClient.frames(message), timeout: .seconds(10)) }
        return try clients.map { try FaultClient.reply($0, timeout: .seconds(30)) }
    }

    @Test(.timeLimit(.minutes(2)))
    func thousandClientsReconnectAfterABrokerRestart() throws {
        let n = 1000
        #expect(raiseDescriptorLimit(to: 2 * n + 1024) >= 2 * n + 256)
        let first = try BrokerProcess(logLevel: "warning")
        // The thousand clients share one loop thread of their own.
        let loop = try EventLoop(name: "storm")
        defer { loop.shutdown() }
        let counter = HandshakeCounter()
        let clients = try (0..<n).map { _ in try FaultClient.dealer(first, loop: loop, onEvent: counter.record) }
        defer { clients.forEach { $0.close() } }
        let connectStart = ContinuousClock.now
        #expect(try Self.requestAll(clients, connectFrames(ttl: 60_000, id: "c")).allSatisfy { $0 == ok("c") })
        let firstConnectMs = millisecondsSince(connectStart)
        #expect(counter.wait(for: n, timeout: 10))

        // A crash: SIGKILL, then a new broker with the same key on the same port.
        first.child.kill()
        first.child.waitExit(timeout: 10)
        let restart = ContinuousClock.now
        let second = try BrokerProcess(["--data-dir", first.data.path("keys"), "--port", "\(first.port)"], logLevel: "warning")
        defer { second.stop() }
        #expect(second.publicKey == first.publicKey && second.endpoint == first.endpoint)
        let startupMs = millisecondsSince(restart)

        // A probe keeps acked round trips going through the storm.
        let probe = try FaultClient.connected(second)
        defer { probe.close() }
        let rounds = RoundTrips([probe])
        defer { rounds.stop() }

        #expect(counter.wait(for: 2 * n, timeout: 30), "\(counter.count.load(ordering: .relaxed) - n) of \(n) reconnected")
        let reconnectedMs = millisecondsSince(restart)
        // Their sessions died with the broker: each CONNECTs again.
        #expect(try Self.requestAll(clients, connectFrames(ttl: 60_000, id: "r")).allSatisfy { $0 == ok("r") })
        let sessionsMs = millisecondsSince(restart)
        #expect(rounds.waitForRounds(rounds.count + 10, timeout: 10))
        rounds.stop()

        print("""
            restart storm: \(n) clients CONNECTed in \(Int(firstConnectMs)) ms; after SIGKILL the new broker listened in \
            \(Int(startupMs)) ms, all \(n) reconnected (CURVE) within \(Int(reconnectedMs)) ms and re-CONNECTed within \
            \(Int(sessionsMs)) ms of the restart; probe: \(rounds.summary(phases: [("storm", 0, .infinity)]))
            """)
        #expect(rounds.errors.isEmpty, "\(rounds.errors.prefix(3))")
        #expect(reconnectedMs < 20_000)
        #expect(rounds.worstMilliseconds < 2000, "worst probe round trip \(rounds.worstMilliseconds) ms")
    }
}
