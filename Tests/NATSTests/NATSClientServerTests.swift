import NATSClient
import NATSWire
import Testing
import TestSupport

@Suite("NATS client against nats-server", .enabled(if: NATSServer.isInstalled, "needs nats-server (scripts/setup --test)"))
struct NATSClientServerTests {
    /// Waits until a probe published by `publisher` reaches `subscriber` on `subject`: the
    /// server has the subscription. Probes carry "probe" and are left out of later checks.
    private func waitSubscribed(_ subscriber: NATSTestClient, _ publisher: NATSTestClient, _ subject: String) throws -> Bool {
        waitUntil(timeout: 10) {
            try? publisher.publish(subject, [Array("probe".utf8)])
            return waitUntil(timeout: 0.1) { subscriber.messages.contains { $0.subject == subject } }
        }
    }

    @Test func publishesAndReceivesInOrder() throws {
        let server = try NATSServer()
        let subscriber = try NATSTestClient(server.url)
        let publisher = try NATSTestClient(server.url)
        #expect(subscriber.waitConnected() && publisher.waitConnected())
        _ = try subscriber.subscribe("mc0.orders")
        #expect(try waitSubscribed(subscriber, publisher, "mc0.orders"))
        let payloads = (0..<1000).map { Array("message \($0)".utf8) }
        try publisher.publish("mc0.orders", payloads)
        #expect(waitUntil(timeout: 10) { subscriber.messages.filter { $0.payload != Array("probe".utf8) }.count == 1000 })
        #expect(subscriber.messages.filter { $0.payload != Array("probe".utf8) }.map(\.payload) == payloads)
        #expect(try publisher.stats().published >= 1000)
    }

    @Test func noEchoOfItsOwnPublications() throws {
        let server = try NATSServer()
        let client = try NATSTestClient(server.url)
        let other = try NATSTestClient(server.url)
        #expect(client.waitConnected() && other.waitConnected())
        _ = try client.subscribe("mc0.self")
        _ = try other.subscribe("mc0.self")
        #expect(try waitSubscribed(other, client, "mc0.self"))
        try client.publish("mc0.self", [Array("mine".utf8)])
        #expect(waitUntil(timeout: 5) { other.messages.contains { $0.payload == Array("mine".utf8) } })
        #expect(client.messages.isEmpty)
    }

    @Test func reconnectsAfterServerRestartAndSubscribesAgain() throws {
        let server = try NATSServer()
        let subscriber = try NATSTestClient(server.url)
        let publisher = try NATSTestClient(server.url)
        #expect(subscriber.waitConnected() && publisher.waitConnected())
        _ = try subscriber.subscribe("mc0.restart")
        #expect(try waitSubscribed(subscriber, publisher, "mc0.restart"))
        server.kill()
        #expect(waitUntil(timeout: 5) { (try? subscriber.stats().connected) == false })
        try server.start()
        #expect(subscriber.waitConnected(2) && publisher.waitConnected(2))
        #expect(try waitSubscribed(subscriber, publisher, "mc0.restart"))
        try publisher.publish("mc0.restart", [Array("after".utf8)])
        #expect(waitUntil(timeout: 5) { subscriber.messages.contains { $0.payload == Array("after".utf8) } })
        #expect(try subscriber.stats().reconnects == 1)
    }

    @Test func authenticatesWithUserAndPassword() throws {
        let server = try NATSServer(authorization: "user: mc0\npassword: \"s3 cr@t\"")
        let good = try NATSTestClient("nats://mc0:s3%20cr%40t@127.0.0.1:\(server.clientPort)")
        #expect(good.waitConnected())
        let bad = try NATSTestClient("nats://mc0:wrong@127.0.0.1:\(server.clientPort)")
        #expect(waitUntil(timeout: 10) {
            bad.allEvents.contains(.serverError("Authorization Violation"))
                && bad.allEvents.contains { if case .connectFailed(_, let reason) = $0 { reason.contains("Authorization Violation") } else { false } }
        })
        #expect(bad.connectedCount == 0)
        #expect(try bad.stats().serverErrors >= 1)
    }

    @Test func authenticatesWithToken() throws {
        let server = try NATSServer(authorization: "token: t0ken")
        let good = try NATSTestClient("nats://t0ken@127.0.0.1:\(server.clientPort)")
        #expect(good.waitConnected())
        let none = try NATSTestClient(server.url)
        #expect(waitUntil(timeout: 10) { none.allEvents.contains(.serverError("Authorization Violation")) })
        #expect(none.connectedCount == 0)
    }

    @Test func usesTheServersTheClusterAdvertisesWithTheSameCredentials() throws {
        let nodes = try NATSServer.cluster(2, authorization: "user: mc0\npassword: pw")
        // Only the first node is named; the second is learnt from INFO's connect_urls.
        let client = try NATSTestClient("nats://mc0:pw@127.0.0.1:\(nodes[0].clientPort)")
        #expect(client.waitConnected())
        nodes[0].kill()
        #expect(client.waitConnected(2))
        #expect(client.allEvents.contains(.connected(server: "nats://127.0.0.1:\(nodes[1].clientPort)")))
    }

    @Test func movesToTheNextServerAndBoundsItsBuffer() throws {
        let server = try NATSServer()
        // The first server refuses connections: the client moves on to the second.
        let client = try NATSTestClient("nats://127.0.0.1:1,\(server.url)") { $0.maxPendingBytes = 4096 }
        #expect(client.waitConnected())
        server.kill()
        #expect(waitUntil(timeout: 5) { (try? client.stats().connected) == false })
        // Disconnected: publishes queue up to the bound, then are dropped and counted.
        try client.publish("mc0.x", (0..<100).map { _ in Array(repeating: 0x61, count: 100) })
        let stats = try client.stats()
        #expect(stats.pendingBytes <= 4096)
        #expect(stats.droppedBufferFull > 0)
        #expect(stats.published + stats.droppedBufferFull == 100)
    }
}
