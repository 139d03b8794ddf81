import MC0
import MC0Broker
import NATSWire
import Testing
import ZMTP

/// The core's side of clustering, without I/O: what it asks of the cluster link, and how it
/// delivers messages from other brokers.
@Suite struct BrokerCoreClusterTests {
    private func clustered() -> Harness {
        let harness = Harness()
        harness.core.clusterEnabled = true
        return harness
    }

    private func work(_ core: BrokerCore) -> [String] {
        core.takeClusterWork().map { item in
            switch item {
            case .subscribe(let topic): "SUB \(String(decoding: topic, as: UTF8.self))"
            case .unsubscribe(let topic): "UNSUB \(String(decoding: topic, as: UTF8.self))"
            case .publish(let topic, let headers, let body):
                "PUB \(String(decoding: topic, as: UTF8.self)) \(headers.map { "\($0.key)=\(String(decoding: $0.value, as: UTF8.self))" }) \(body.map { String(decoding: $0, as: UTF8.self) })"
            }
        }
    }

    @Test func aTopicIsSubscribedInTheClusterWhileItHasLocalSubscribers() {
        let h = clustered()
        h.connect("a")
        h.connect("b")
        h.send("a", "", "SUB", "", "t1", "t2")
        #expect(work(h.core).sorted() == ["SUB t1", "SUB t2"])
        h.send("b", "", "SUB", "", "t1")
        h.send("a", "", "UNSUB", "", "t1")
        #expect(work(h.core).isEmpty)
        h.send("b", "", "DISCONNECT")
        #expect(work(h.core) == ["UNSUB t1"])
        h.core.disconnected(client: b("a"))
        #expect(work(h.core) == ["UNSUB t2"])
    }

    @Test func everyAcceptedPutIsPublishedOnceWithoutItsIDAndTopic() {
        let h = clustered()
        h.connect("a")
        h.send("a", "", "SUB", "", "t")
        _ = work(h.core)
        h.send("a", "", "PUT", "TOPIC", "t", "X-A", "1", "ID", "9", "", "body")
        h.send("x", "", "PUT", "TOPIC", "nobody", "", "b1", "b2")
        h.send("x", "", "PUT", "", "refused")
        #expect(work(h.core) == ["PUB t [\"X-A=1\"] [\"body\"]", "PUB nobody [] [\"b1\", \"b2\"]"])
        // Not dropped: it went on to the cluster.
        #expect(h.core.traffic.unsubscribedPuts == 0)
    }

    @Test func aBrokerOnItsOwnReportsNothing() {
        let h = Harness()
        h.connect("a")
        h.send("a", "", "SUB", "", "t")
        h.send("a", "", "PUT", "TOPIC", "t", "", "x")
        #expect(work(h.core).isEmpty)
    }

    @Test func remoteMessagesReachLocalSubscribersAndAreNotPublishedAgain() {
        let h = clustered()
        h.connect("a")
        h.connect("b")
        h.send("a", "", "SUB", "", "t")
        h.send("b", "", "SUB", "", "t")
        _ = work(h.core)
        var out: [Outgoing] = []
        let recipients = h.core.deliverRemote(topic: b("t"), headers: [(key: "X-R", value: b("r")), (key: "ID", value: b("1"))],
                                              body: [b("hello")], now: h.now, into: &out)
        #expect(recipients == 2)
        #expect(Set(out.map(\.client)) == [b("a"), b("b")])
        #expect(out.allSatisfy { $0.frames == f("", "MESSAGE", "TOPIC", "t", "X-R", "r", "", "hello") })
        #expect(work(h.core).isEmpty)
        #expect(h.core.deliverRemote(topic: b("other"), headers: [], body: [], now: h.now, into: &out) == 0)
    }

    @Test func aFullSubscriberPausesTheClusterLinkUntilItDrains() {
        let h = clustered()
        h.connect("a")
        h.send("a", "", "SUB", "", "t")
        h.env.fullPipes = [b("a")]
        var out: [Outgoing] = []
        h.core.deliverRemote(topic: b("t"), headers: [], body: [b("x")], now: h.now, into: &out)
        #expect(out.count == 1)   // queued all the same, as for a local publisher
        #expect(h.core.takeActions() == [.pauseReading(client: BrokerCore.clusterPeer)])
        h.env.fullPipes = []
        h.core.drained(client: b("a"), now: h.now)
        #expect(h.core.takeActions() == [.resumeReading(client: BrokerCore.clusterPeer)])
    }

    @Test func theStatsLineGoesOnWithTheClusterCounters() {
        var cluster = ClusterStats()
        cluster.connected = true
        cluster.published = 10
        cluster.received = 20
        cluster.droppedBufferFull = 1
        cluster.droppedDisconnected = 2
        cluster.reconnects = 3
        let alone = BrokerDriver.statsLine(BrokerStats(), sendFailures: 0, handshakes: HandshakeStats())
        let clustered = BrokerDriver.statsLine(BrokerStats(), sendFailures: 0, handshakes: HandshakeStats(), cluster: cluster)
        #expect(!alone.contains("cluster_"))
        #expect(clustered == alone + " cluster_connected=1 cluster_out=10 cluster_in=20 cluster_dropped=3 cluster_reconnects=3")
    }

    @Test func subjectsAreValidAndDistinctForAnyTopicBytes() throws {
        #expect(ClusterSubject.subject(for: b("mcollective rpcutil")) == "mc0.mcollective_20rpcutil")
        #expect(ClusterSubject.subject(for: b("a.b*c>_-Z9")) == "mc0.a_2Eb_2Ac_3E_5F-Z9")
        #expect(ClusterSubject.subject(for: [0, 255, 0x20]) == "mc0._00_FF_20")
        var seen: [String: [UInt8]] = [:]
        var generator = SystemRandomNumberGenerator()
        for length in 1...40 {
            for _ in 0..<50 {
                let topic = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let subject = ClusterSubject.subject(for: topic)
                try NATSCommand.check(subject)
                if let other = seen[subject] { #expect(other == topic) }
                seen[subject] = topic
            }
        }
        // The longest topic the broker accepts still makes a subject NATS takes.
        try NATSCommand.check(ClusterSubject.subject(for: Array(repeating: 0x20, count: BrokerConfig().maxTopicLength)))
    }

    @Test func envelopesRoundTripAndRefuseEveryTruncation() {
        let envelope = ClusterEnvelope(origin: b("broker1"), headers: [(key: "X-A", value: b("")), (key: "X-B", value: [0, 1, 2])],
                                       body: [b("one"), [], Array(repeating: 7, count: 300)])
        let bytes = envelope.encoded()
        #expect(ClusterEnvelope(decoding: bytes, maxFrames: 1024) == envelope)
        for length in 0..<bytes.count {
            #expect(ClusterEnvelope(decoding: Array(bytes[..<length]), maxFrames: 1024) == nil, "truncated to \(length)")
        }
        #expect(ClusterEnvelope(decoding: bytes + [0], maxFrames: 1024) == nil)
        #expect(ClusterEnvelope(decoding: bytes, maxFrames: 6) == nil)
        var wrongVersion = bytes
        wrongVersion[0] = 2
        #expect(ClusterEnvelope(decoding: wrongVersion, maxFrames: 1024) == nil)
        let badKey = ClusterEnvelope(origin: [], headers: [(key: "K", value: [])], body: []).encoded()
        var patched = badKey
        patched[patched.firstIndex(of: UInt8(ascii: "K"))!] = 0xFF
        #expect(ClusterEnvelope(decoding: patched, maxFrames: 1024) == nil)
    }
}
