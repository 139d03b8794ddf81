import Foundation
import MC0Connector
import TestSupport
import Testing
import ZMTP

/// The connector against the real mc0d over CURVE (mc0d built by the same `swift build`).
@Suite(.serialized) struct ConnectorBrokerTests {
    /// mc0d on 127.0.0.1 with a CURVE key pair in a scratch directory, plus client key pairs.
    final class Broker {
        let dir: URL
        var child: ChildProcess
        let port: Int

        init(port: Int = 0, dir: URL? = nil) throws {
            self.dir = try dir ?? temporaryDirectory()
            if dir == nil {
                for name in ["broker", "client1", "web1", "web2"] {
                    try CurveKeyFile.write(.generate(), basePath: self.dir.appendingPathComponent(name).path)
                }
            }
            (child, self.port) = try Self.start(port: port, dir: self.dir)
        }

        static func start(port: Int, dir: URL) throws -> (ChildProcess, Int) {
            let child = try ChildProcess(Repository.builtProduct("mc0d"), ["--bind", "127.0.0.1", "--port", "\(port)", "--stats-interval", "0",
                                                                "--curve-private-key", dir.appendingPathComponent("broker.private").path],
                                         mergeStderr: true)
            // "mc0d listening on tcp://127.0.0.1:PORT (CURVE, public key KEY)"
            guard let line = child.waitLine("mc0d listening on "),
                  let port = line.split(separator: " ")[3].split(separator: ":").last.flatMap({ Int($0) }) else {
                child.kill()
                throw ChildProcess.ChildProcessError.noEndpoint(child.allLines)
            }
            return (child, port)
        }

        /// Kills mc0d (SIGKILL: no goodbye to the clients) and starts it again on the same port.
        func restart() throws {
            child.kill()
            child.waitExit()
            (child, _) = try Self.start(port: port, dir: dir)
        }

        func config(_ identity: String, heartbeat: Duration = .seconds(1)) -> ConnectorConfig {
            var config = testConfig(port: port, identity: identity, heartbeat: heartbeat)
            config.curve = true
            config.brokerPublicKeyFile = dir.appendingPathComponent("broker.public").path
            config.publicKeyFile = dir.appendingPathComponent("\(identity).public").path
            config.privateKeyFile = dir.appendingPathComponent("\(identity).private").path
            return config
        }

        deinit {
            child.signal(SIGCONT)
            child.kill()
            child.waitExit()
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test func requestAndReplyOnMCollectiveTopicsOverCurve() async throws {
        let broker = try Broker()
        try await exchangeRequestAndReply(configs: (broker.config("client1"), broker.config("web1"), broker.config("web2")))
    }

    @Test func brokerKilledAndRestartedWithinTwoHeartbeats() async throws {
        let broker = try Broker()
        let heartbeat = Duration.seconds(1)
        let events = EventRecorder()
        let node = try MC0Connector(config: broker.config("web1", heartbeat: heartbeat), onEvent: events.handler)
        let inbox = Collector(node)
        try await node.connect()
        let topic = node.nodeTopic(collective: "mcollective")
        try await node.subscribe(topic)

        try broker.restart()
        let restarted = ContinuousClock.now
        // A new client publishes until the node receives: the node must have reconnected and
        // re-subscribed on its own.
        let requester = try MC0Connector(config: broker.config("client1", heartbeat: heartbeat))
        try await requester.connect()
        while inbox.all.isEmpty, ContinuousClock.now - restarted < .seconds(10) {
            try await requester.publish(topic: topic, body: "after restart")
            _ = await inbox.wait(count: 1, timeout: 0.05)
        }
        let elapsed = ContinuousClock.now - restarted
        #expect(inbox.all.first?.bodyText == "after restart")
        #expect(elapsed < heartbeat * 2, "received again \(elapsed) after the restart")
        #expect(events.all.contains { if case .sessionLost = $0 { true } else { false } })
        await requester.close()
        await node.close()
    }

    @Test func brokerThatStopsAnsweringIsDetected() async throws {
        let broker = try Broker()
        let heartbeat = Duration.milliseconds(500)
        let events = EventRecorder()
        let node = try MC0Connector(config: broker.config("web1", heartbeat: heartbeat), onEvent: events.handler)
        let inbox = Collector(node)
        try await node.connect()
        try await node.subscribe("mcollective rpcutil")

        broker.child.signal(SIGSTOP)
        let stopped = ContinuousClock.now
        let silence: (MC0ConnectorEvent) -> Bool = { if case .sessionLost(let r) = $0 { r.contains("nothing heard") } else { false } }
        #expect(await events.wait(timeout: 5, silence))
        let detected = try #require(events.instant(of: silence)) - stopped
        #expect(detected < heartbeat * 2, "silence detected after \(detected)")
        // A publish while the broker is stopped waits (it is not dropped) and goes through
        // once the broker answers again on the new session.
        broker.child.signal(SIGCONT)
        try await node.publish(topic: "mcollective rpcutil", body: "resumed")
        #expect(await inbox.wait(count: 1).map(\.bodyText) == ["resumed"])
        await node.close()
    }
}
