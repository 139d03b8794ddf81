import Foundation
import MC0Connector
import TestSupport
import Testing
import ZMTP

/// Three mc0d joined through a three-node NATS cluster, all on loopback (docs/cluster.md).
@Suite(.serialized, .enabled(if: NATSServer.isInstalled, "needs nats-server (scripts/setup --test)"))
struct ClusterTests {
    private let topic = "mcollective rpcutil"
    /// For the tests that count every message: a session that a starved machine lets go
    /// silent for 1.05 heartbeats is dropped and loses what was in flight, which is the
    /// heartbeat's job and not what these tests check.
    private let countingHeartbeat = Duration.seconds(5)

    @Test func everySubscriberReceivesEveryBrokersMessagesOnceInOrder() async throws {
        let cluster = try BrokerCluster()
        let subscribers = try await cluster.subscribers(to: topic, named: "sub", heartbeat: countingHeartbeat)
        let publishers = try await cluster.publishers(named: "pub", heartbeat: countingHeartbeat)
        #expect(await waitForClusterInterest(publishers: publishers, collectors: subscribers.map(\.1), topic: topic))
        let count = 200
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, publisher) in publishers.enumerated() {
                group.addTask {
                    // The last one marks the end: behind it, in each publisher's order, nothing else may come.
                    for seq in 0...count {
                        try await publisher.publish(topic: topic, headers: [("X-PUBLISHER", "\(index)"), ("X-SEQ", "\(seq)")], body: "m\(index)-\(seq)")
                    }
                }
            }
            try await group.waitForAll()
        }
        for (index, (_, collector)) in subscribers.enumerated() {
            let ends = { collector.all.filter { $0.header("X-SEQ") == "\(count)" }.count }
            #expect(await waitUntil(timeout: 20) { ends() == 3 }, "subscriber \(index): \(ends()) of 3 end markers")
            let received = collector.all.filter { $0.header("X-PROBE") == nil }
            #expect(received.count == 3 * (count + 1), "subscriber \(index) got \(received.count)")
            for publisher in 0..<3 {
                let sequence = received.filter { $0.header("X-PUBLISHER") == "\(publisher)" }.compactMap { $0.header("X-SEQ").flatMap(Int.init) }
                #expect(sequence == Array(0...count), "subscriber \(index), publisher \(publisher)")
            }
        }
        for connector in subscribers.map(\.0) + publishers { await connector.close() }
    }

    @Test func poolClientsFailOverWithinTwoHeartbeats() async throws {
        let cluster = try BrokerCluster()
        let heartbeat = Duration.seconds(1)
        // Six pool clients, two starting on each broker; the publisher stays on broker 2.
        var subscribers: [(MC0Connector, Collector)] = []
        for index in 0..<6 {
            subscribers.append(try await subscriber(poolConfig(cluster.brokers, first: index % 3, identity: "node\(index)", heartbeat: heartbeat), [topic]))
        }
        let publisher = try MC0Connector(config: testConfig(port: cluster.brokers[2].port, identity: "pub"))
        try await publisher.connect()
        #expect(await waitForClusterInterest(publishers: [publisher], collectors: subscribers.map(\.1), topic: topic))

        cluster.brokers[0].kill()
        let killed = ContinuousClock.now
        var seq = 0
        var recovered = false
        while ContinuousClock.now - killed < heartbeat * 4 {
            seq += 1
            try await publisher.publish(topic: topic, headers: [("X-SEQ", "\(seq)")], body: "after")
            try await Task.sleep(for: .milliseconds(20))
            // Every client has a message published after the kill.
            if subscribers.allSatisfy({ $0.1.all.contains { $0.bodyText == "after" } }) {
                recovered = true
                break
            }
        }
        let took = ContinuousClock.now - killed
        #expect(recovered, "not every client received again")
        #expect(took <= heartbeat * 2, "failover took \(took)")
        // A client starting now, with the dead broker first in its pool, connects to the next one.
        let late = try await subscriber(poolConfig(cluster.brokers, first: 0, identity: "late", heartbeat: heartbeat), [topic])
        try await publisher.publish(topic: topic, body: "late")
        #expect(await waitUntil(timeout: 5) { late.1.all.contains { $0.bodyText == "late" } })
        await late.0.close()
        for connector in subscribers.map(\.0) + [publisher] { await connector.close() }
    }

    @Test func trafficContinuesAfterANATSNodeIsKilled() async throws {
        let cluster = try BrokerCluster()
        let subscribers = try await cluster.subscribers(to: topic, named: "sub")
        let publishers = try await cluster.publishers(named: "pub")
        #expect(await waitForClusterInterest(publishers: publishers, collectors: subscribers.map(\.1), topic: topic))
        // Broker 0 is connected to NATS node 0: it must move to another node.
        cluster.nats[0].kill()
        for (_, collector) in subscribers { collector.clear() }
        #expect(await waitForClusterInterest(publishers: publishers, collectors: subscribers.map(\.1), topic: topic))
        let others = [cluster.nats[1].url, cluster.nats[2].url]
        #expect(await waitUntil(timeout: 10) {
            cluster.brokers[0].log.contains { line in others.contains { line.contains("NATS connected to \($0)") } }
        }, "broker 0 moved to another NATS server")
        for connector in subscribers.map(\.0) + publishers { await connector.close() }
    }

    /// With its only NATS server gone, a broker keeps delivering to its own clients; when the
    /// server is back, the broker reconnects by itself and subscribes again.
    @Test func localDeliveryGoesOnWhileNATSIsLostAndTheBrokerReconnects() async throws {
        let nats = try NATSServer()
        let broker = try ClusterBroker(cluster: nats.url)
        let connected = { broker.log.filter { $0.contains("NATS connected to \(nats.url)") }.count }
        #expect(await waitUntil(timeout: 10) { connected() == 1 }, "\(broker.log)")
        let local = try await subscriber(testConfig(port: broker.port, identity: "local", heartbeat: countingHeartbeat), [topic])
        let publisher = try MC0Connector(config: testConfig(port: broker.port, identity: "pub", heartbeat: countingHeartbeat))
        try await publisher.connect()

        nats.kill()
        #expect(await waitUntil(timeout: 10) { broker.log.contains { $0.contains("NATS connection to \(nats.url) lost") } }, "\(broker.log)")
        for seq in 0..<100 {
            try await publisher.publish(topic: topic, headers: [("X-SEQ", "\(seq)")], body: "while NATS is down")
        }
        #expect(await waitUntil(timeout: 10) { local.1.all.count == 100 }, "\(local.1.all.count) of 100 delivered locally")
        #expect(local.1.all.compactMap { $0.header("X-SEQ").flatMap(Int.init) } == Array(0..<100))

        // Back on the same port: the broker's backoff finds it, and its topic is subscribed again.
        try nats.start()
        #expect(await waitUntil(timeout: 20) { connected() == 2 }, "\(broker.log)")
        let other = try ClusterBroker(cluster: nats.url)
        let remote = try await subscriber(testConfig(port: other.port, identity: "remote"), [topic])
        #expect(await waitForClusterInterest(publishers: [publisher], collectors: [remote.1, local.1], topic: topic))
        for connector in [local.0, remote.0, publisher] { await connector.close() }
        other.kill()
    }

    @Test func aBroadcastReachesAThousandClientsOverThreeBrokers() async throws {
        let cluster = try BrokerCluster()
        let clients = 1000
        let loop = try EventLoop(name: "cluster-clients")
        defer { loop.shutdown() }
        let watchers = try await cluster.subscribers(to: topic, named: "watch", heartbeat: .seconds(30), loop: loop)
        let publisher = try MC0Connector(config: testConfig(port: cluster.brokers[0].port, identity: "pub", heartbeat: .seconds(30)), loop: loop)
        try await publisher.connect()
        #expect(await waitForClusterInterest(publishers: [publisher], collectors: watchers.map(\.1), topic: topic))
        let nodes = try await withThrowingTaskGroup(of: (MC0Connector, Collector).self) { group in
            for index in 0..<clients {
                let config = testConfig(port: cluster.brokers[index % 3].port, identity: "n\(index)", heartbeat: .seconds(30))
                group.addTask { try await subscriber(config, [topic], loop: loop) }
            }
            var made: [(MC0Connector, Collector)] = []
            for try await node in group { made.append(node) }
            return made
        }
        try await publisher.publish(topic: topic, body: "broadcast")
        #expect(await waitUntil(timeout: 30) { nodes.allSatisfy { $0.1.all.contains { $0.bodyText == "broadcast" } } })
        let received = nodes.filter { $0.1.all.contains { $0.bodyText == "broadcast" } }.count
        #expect(received == clients)
        for connector in nodes.map(\.0) + watchers.map(\.0) + [publisher] { await connector.close() }
    }
}
