import Foundation
import MC0Connector
import TestSupport
import Testing
import ZMTP

/// The connector against Fixtures/fake_broker.py: a pyzmq (libzmq) ROUTER playing the broker,
/// scripted to misbehave. Proves the protocol logic and interop with a broker that is not ours.
@Suite(.serialized) struct ConnectorFakeBrokerTests {
    @Test func connectSubscribePublishAndReceive() async throws {
        let (broker, port) = try startFakeBroker()
        defer { broker.stop() }
        let connector = try MC0Connector(config: testConfig(port: port))
        let collector = Collector(connector)
        try await connector.connect()
        let connectLine = try #require(broker.waitLine("CONNECT "))
        #expect(connectLine.hasPrefix("CONNECT ttl=500 rid=node1 \(getpid()) "))

        let topic = MCollectiveTopic.agent(collective: "mcollective", agent: "discovery")
        try await connector.subscribe(topic)
        try await connector.publish(topic: topic, headers: [("X-REPLY-TO", connector.replyTopic(collective: "mcollective")),
                                                            ("X-EMPTY", "")], body: [Array("ping".utf8), [], [0, 1]])
        let got = await collector.wait(count: 1)
        #expect(got == [MC0Delivery(topic: "mcollective discovery",
                                    headers: [(key: "X-REPLY-TO", value: Array("mcollective reply node1 \(getpid())".utf8)),
                                              (key: "X-EMPTY", value: [])],
                                    body: [Array("ping".utf8), [], [0, 1]])])
        #expect(got.first?.replyTo == "mcollective reply node1 \(getpid())")

        // A ping is an acknowledged NOOP.
        let rtt = try await connector.ping()
        #expect(rtt > .zero && rtt < .seconds(5))

        // After UNSUB the topic's messages stop; a message on a still-held topic proves the order.
        try await connector.subscribe(["other"])
        try await connector.unsubscribe(topic)
        try await connector.publish(topic: topic, body: "not for us")
        try await connector.publish(topic: "other", body: "marker")
        let after = await collector.wait(count: 2)
        #expect(after.map(\.bodyText) == ["ping\u{0}\u{1}", "marker"])

        await #expect(throws: MC0ConnectorError.self) { try await connector.publish(topic: topic, headers: [("TOPIC", "x")], body: "") }
        await #expect(throws: MC0ConnectorError.invalidArgument("SUB: a topic must not be empty")) { try await connector.subscribe([""]) }
        await #expect(throws: MC0ConnectorError.self) { try await connector.reply(to: MC0Delivery(topic: "x", body: []), body: []) }
        await connector.close()
        #expect(broker.waitLine("RECV DISCONNECT") != nil)
        await #expect(throws: MC0ConnectorError.closed) { try await connector.ping() }
    }

    @Test func messageBetweenSubAndItsOkIsDeliveredNotTakenForTheAnswer() async throws {
        let (broker, port) = try startFakeBroker(["--message-before-first-sub-ok"])
        defer { broker.stop() }
        let connector = try MC0Connector(config: testConfig(port: port))
        let collector = Collector(connector)
        try await connector.connect()
        try await connector.subscribe("mcollective rpcutil")
        let got = await collector.wait(count: 1)
        #expect(got == [MC0Delivery(topic: "mcollective rpcutil", headers: [(key: "X-EARLY", value: Array("1".utf8))],
                                    body: [Array("early".utf8)])])
        // The SUB really was acknowledged: broadcasts on the topic arrive.
        broker.write("PUBLISH mcollective+rpcutil hello\n")
        #expect(await collector.wait(count: 2).map(\.bodyText) == ["early", "hello"])
        await connector.close()
    }

    @Test func idleSessionHeartbeatsWithoutReconnecting() async throws {
        let (broker, port) = try startFakeBroker()
        defer { broker.stop() }
        let connector = try MC0Connector(config: testConfig(port: port, heartbeat: .milliseconds(300)))
        try await connector.connect()
        // Idle for several heartbeats: the connector sends its own NOOPs (0.95 x 300 ms) and
        // the broker's NOOPs keep it from declaring the broker silent.
        #expect(broker.waitLines("RECV NOOP", count: 4, timeout: 10).count >= 4)
        #expect(broker.allLines.filter { $0.hasPrefix("CONNECT ") }.count == 1)
        await connector.close()
    }

    @Test func silentBrokerIsDetectedAndTheConnectorReconnectsAndResubscribes() async throws {
        let (broker, port) = try startFakeBroker()
        defer { broker.stop() }
        let events = EventRecorder()
        let connector = try MC0Connector(config: testConfig(port: port, heartbeat: .milliseconds(400)), onEvent: events.handler)
        let collector = Collector(connector)
        try await connector.connect()
        try await connector.subscribe(["a", "b"])
        broker.write("MUTE\n")
        #expect(await events.wait { if case .sessionLost(let r) = $0 { r.contains("nothing heard") } else { false } })
        let rids = broker.waitLines("CONNECT ttl=400 rid=node1 \(getpid()) ", count: 2).map { $0.dropFirst("CONNECT ttl=400 rid=".count) }
        #expect(rids.count == 2 && rids[0] != rids[1], "a new socket, with a new routing id")
        #expect(broker.waitLine("RECV SUB rid=\(rids.last ?? "") topics=a|b") != nil)
        // Delivery carries on; a publish after the reconnection is acknowledged.
        broker.write("PUBLISH b again\n")
        #expect(await collector.wait(count: 1).map(\.bodyText) == ["again"])
        try await connector.publish(topic: "a", body: "mine")
        #expect(await collector.wait(count: 2).map(\.bodyText) == ["again", "mine"])
        await connector.close()
    }

    @Test func notConnectedErrorReconnectsAtOnceAndResendsThePut() async throws {
        let (broker, port) = try startFakeBroker()
        defer { broker.stop() }
        let events = EventRecorder()
        let connector = try MC0Connector(config: testConfig(port: port, heartbeat: .seconds(30)), onEvent: events.handler)
        let collector = Collector(connector)
        try await connector.connect()
        try await connector.subscribe("t")
        broker.write("EVICT\n")
        #expect(broker.waitLine("DONE EVICT") != nil)
        // The PUT gets "CONNECT again": it had no effect, so it is sent again on the new
        // session (after the re-SUB), and the call succeeds — long before any heartbeat.
        let started = ContinuousClock.now
        try await connector.publish(topic: "t", body: "after eviction")
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(await collector.wait(count: 1).map(\.bodyText) == ["after eviction"])
        #expect(events.all.contains { if case .sessionLost(let r) = $0 { r.contains("CONNECT again") } else { false } })
        let rids = broker.waitLines("CONNECT ", count: 2).map { $0.split(separator: "rid=").last ?? "" }
        #expect(rids.count == 2 && rids[0] != rids[1])
        #expect(broker.waitLine("RECV SUB rid=\(rids.last ?? "") topics=t") != nil)
        await connector.close()
    }

    @Test func brokerRestartOnTheSamePortIsSurvived() async throws {
        var (broker, port) = try startFakeBroker()
        let connector = try MC0Connector(config: testConfig(port: port, heartbeat: .milliseconds(500)))
        let collector = Collector(connector)
        try await connector.connect()
        try await connector.subscribe("mcollective nodes node1")
        broker.kill()
        broker.waitExit()
        (broker, _) = try startFakeBroker(["--bind", "tcp://127.0.0.1:\(port)"])
        defer { broker.stop() }
        #expect(broker.waitLine("RECV SUB rid=node1 \(getpid())", timeout: 10) != nil)
        broker.write("PUBLISH mcollective+nodes+node1 back\n")
        #expect(await collector.wait(count: 1).map(\.bodyText) == ["back"])
        await connector.close()
    }

    @Test func connectFailuresAreErrorsTheCallerCanActOn() async throws {
        // Nothing listening: no OK within connectTimeout.
        let closed = try ClosedPort()
        var config = testConfig(port: closed.port)
        config.connectTimeout = .milliseconds(500)
        let unreachable = try MC0Connector(config: config)
        await #expect(throws: MC0ConnectorError.notConnected) { try await unreachable.subscribe("x") }
        do {
            try await unreachable.connect()
            Issue.record("connect to a closed port succeeded")
        } catch let error as MC0ConnectorError {
            guard case .connectTimedOut(let endpoint, _, _) = error else { Issue.record("\(error)"); return }
            #expect(endpoint == "tcp://127.0.0.1:\(closed.port)")
        }
        await unreachable.close()

        // CURVE with the wrong broker key: the handshake failure is reported, not a timeout.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["broker", "other", "client"] {
            try CurveKeyFile.write(.generate(), basePath: dir.appendingPathComponent(name).path)
        }
        let (broker, port) = try startFakeBroker(["--curve-secret-file", dir.appendingPathComponent("broker.private").path])
        defer { broker.stop() }
        var curve = testConfig(port: port)
        curve.curve = true
        curve.brokerPublicKeyFile = dir.appendingPathComponent("other.public").path
        curve.publicKeyFile = dir.appendingPathComponent("client.public").path
        curve.privateKeyFile = dir.appendingPathComponent("client.private").path
        let wrongKey = try MC0Connector(config: curve)
        do {
            try await wrongKey.connect()
            Issue.record("connect with a wrong broker key succeeded")
        } catch let error as MC0ConnectorError {
            guard case .handshakeFailed = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("plugin.zeromq.broker.public_key"))
        }
        await wrongKey.close()

        // The right key works.
        curve.brokerPublicKeyFile = dir.appendingPathComponent("broker.public").path
        let right = try MC0Connector(config: curve)
        try await right.connect()
        _ = try await right.ping()
        await right.close()
    }

    @Test func mcollectiveRequestAndReplyThroughAForeignBroker() async throws {
        let (broker, port) = try startFakeBroker()
        defer { broker.stop() }
        try await exchangeRequestAndReply(configs: (testConfig(port: port, identity: "client1"), testConfig(port: port, identity: "web1"),
                                                    testConfig(port: port, identity: "web2")))
    }
}

/// A requester and two nodes: a broadcast request reaches both nodes and their replies reach the
/// requester's reply topic; a directed request reaches only its node. Shared with the mc0d tests.
func exchangeRequestAndReply(configs: (requester: ConnectorConfig, node1: ConnectorConfig, node2: ConnectorConfig)) async throws {
    let requester = try MC0Connector(config: configs.requester)
    let nodes = [try MC0Connector(config: configs.node1), try MC0Connector(config: configs.node2)]
    let requesterInbox = Collector(requester)
    let inboxes = nodes.map { Collector($0) }
    try await requester.connect()
    try await requester.subscribe(requester.replyTopic(collective: "mcollective"))
    for node in nodes {
        try await node.connect()
        try await node.subscribe([MCollectiveTopic.agent(collective: "mcollective", agent: "rpcutil"), node.nodeTopic(collective: "mcollective")])
    }

    try await requester.request(collective: "mcollective", agent: "rpcutil", body: [Array("ping".utf8)])
    for (node, inbox) in zip(nodes, inboxes) {
        let request = try #require(await inbox.wait(count: 1).first)
        #expect(request.topic == "mcollective rpcutil")
        #expect(request.replyTo == "mcollective reply client1 \(getpid())")
        try await node.reply(to: request, body: [Array("pong from \(node.config.identity)".utf8)])
    }
    let replies = await requesterInbox.wait(count: 2)
    #expect(Set(replies.map(\.bodyText)) == ["pong from web1", "pong from web2"])
    #expect(replies.allSatisfy { $0.topic == "mcollective reply client1 \(getpid())" })

    try await requester.directedRequest(collective: "mcollective", nodes: ["web2"], body: [Array("only web2".utf8)])
    let web2 = await inboxes[1].wait(count: 2)
    #expect(web2.last?.topic == "mcollective nodes web2")
    #expect(web2.last?.bodyText == "only web2")
    // web1 saw nothing more: a marker broadcast after the directed request arrives alone.
    try await requester.request(collective: "mcollective", agent: "rpcutil", body: [Array("marker".utf8)])
    #expect(await inboxes[0].wait(count: 2).map(\.bodyText) == ["ping", "marker"])

    await requester.close()
    for node in nodes { await node.close() }
}
