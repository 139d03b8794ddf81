import Foundation
import MC0Connector
import TestSupport
import ZMTP

/// mc0d (the built product) with --no-curve on 127.0.0.1, joined to NATS with --cluster.
final class ClusterBroker {
    private(set) var child: ChildProcess?
    private(set) var port = 0
    let cluster: String

    init(cluster: String) throws {
        self.cluster = cluster
        try start()
    }

    func start() throws {
        let child = try ChildProcess(Repository.builtProduct("mc0d"),
                                     ["--bind", "127.0.0.1", "--port", "\(port)", "--no-curve", "--stats-interval", "0",
                                      "--cluster", cluster], mergeStderr: true)
        // "mc0d listening on tcp://127.0.0.1:PORT (...)"
        guard let line = child.waitLine("mc0d listening on "),
              let bound = line.split(separator: " ")[3].split(separator: ":").last.flatMap({ Int($0) }) else {
            child.kill()
            throw ChildProcess.ChildProcessError.noEndpoint(child.allLines)
        }
        port = bound
        self.child = child
    }

    /// What mc0d logged so far.
    var log: [String] { child?.allLines ?? [] }

    /// SIGKILL: no goodbye to clients or NATS.
    func kill() {
        child?.kill()
        child?.waitExit()
        child = nil
    }

    deinit { kill() }
}

/// Three nats-server nodes routed into one cluster and one clustered mc0d on each.
final class BrokerCluster {
    let nats: [NATSServer]
    let brokers: [ClusterBroker]

    /// Broker i uses NATS node i first, then the others (`--cluster` lists all three).
    init() throws {
        let nats = try NATSServer.cluster(3)
        self.nats = nats
        brokers = try (0..<3).map { index in
            let urls = (0..<3).map { nats[(index + $0) % 3].url }.joined(separator: ",")
            return try ClusterBroker(cluster: urls)
        }
    }
}

extension BrokerCluster {
    /// One connected subscriber to `topic` on each broker, in broker order, named `prefix`
    /// and the broker's index.
    func subscribers(to topic: String, named prefix: String, heartbeat: Duration = .milliseconds(500),
                     loop: EventLoop? = nil) async throws -> [(MC0Connector, Collector)] {
        var made: [(MC0Connector, Collector)] = []
        for (index, broker) in brokers.enumerated() {
            let config = testConfig(port: broker.port, identity: "\(prefix)\(index)", heartbeat: heartbeat)
            made.append(try await subscriber(config, [topic], loop: loop))
        }
        return made
    }

    /// One connected publisher on each broker, in broker order, named `prefix` and the
    /// broker's index.
    func publishers(named prefix: String, heartbeat: Duration = .milliseconds(500)) async throws -> [MC0Connector] {
        var made: [MC0Connector] = []
        for (index, broker) in brokers.enumerated() {
            let publisher = try MC0Connector(config: testConfig(port: broker.port, identity: "\(prefix)\(index)", heartbeat: heartbeat))
            try await publisher.connect()
            made.append(publisher)
        }
        return made
    }
}

/// A NULL-security config naming the brokers as an MCollective pool, from `first` on.
func poolConfig(_ brokers: [ClusterBroker], first: Int = 0, identity: String, heartbeat: Duration = .seconds(1)) -> ConnectorConfig {
    var config = testConfig(port: brokers[first].port, identity: identity, heartbeat: heartbeat)
    config.poolSize = brokers.count
    config.pool = (0..<brokers.count).map { ConnectorConfig.PoolMember(host: "127.0.0.1", port: brokers[(first + $0) % brokers.count].port) }
    return config
}

/// A connected connector subscribed to `topics`, with a collector of its messages.
func subscriber(_ config: ConnectorConfig, _ topics: [String], loop: EventLoop? = nil,
                onEvent: (@Sendable (MC0ConnectorEvent) -> Void)? = nil) async throws -> (MC0Connector, Collector) {
    let connector = try MC0Connector(config: config, loop: loop, onEvent: onEvent)
    let collector = Collector(connector)
    try await connector.connect()
    try await connector.subscribe(topics)
    return (connector, collector)
}

/// Publishes probes ("probe" body, `X-PROBE` = `tag`) from each publisher until every collector
/// has one from each: NATS interest has spread over the cluster. False after `timeout`.
func waitForClusterInterest(publishers: [MC0Connector], collectors: [Collector], topic: String, timeout: Double = 20) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        for (index, publisher) in publishers.enumerated() {
            try? await publisher.publish(topic: topic, headers: [("X-PROBE", "\(index)")], body: "probe")
        }
        try? await Task.sleep(for: .milliseconds(50))
        let complete = collectors.allSatisfy { collector in
            let seen = Set(collector.all.compactMap { $0.header("X-PROBE") })
            return (0..<publishers.count).allSatisfy { seen.contains("\($0)") }
        }
        if complete { return true }
    }
    return false
}
