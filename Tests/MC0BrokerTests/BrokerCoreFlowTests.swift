import Testing
import MC0
import MC0Broker

/// Flow control in the core: nothing is dropped; a sender whose message found a full queue
/// is paused until every queue it waits for drains; a queue full for too long is a slow
/// consumer and is disconnected.
@Suite struct BrokerCoreFlowTests {
    static let slowText = "slow consumer: your queue stayed full for 1000 ms, so the broker disconnected you; read faster, then CONNECT again"

    static func harness() -> Harness {
        Harness(config: BrokerConfig(slowConsumerTimeout: 1 * second))
    }

    static func put(_ h: Harness, _ publisher: String, _ topic: String, _ body: String) -> [Outgoing] {
        h.send(publisher, "", "PUT", "TOPIC", topic, "", body)
    }

    static func message(_ to: String, _ topic: String, _ body: String) -> Outgoing {
        reply(to, "", "MESSAGE", "TOPIC", topic, "", body)
    }

    @Test func aFullSubscriberPausesThePublisherUntilItDrains() {
        let h = Self.harness()
        for name in ["pub", "sub"] { h.connect(name) }
        h.send("sub", "", "SUB", "", "t")
        #expect(h.core.takeActions().isEmpty)
        h.env.fullPipes = [b("sub")]
        // Still queued for the full subscriber: an acked PUT means queued for every subscriber.
        #expect(h.send("pub", "", "PUT", "TOPIC", "t", "ID", "1", "", "x")
                == [Self.message("sub", "t", "x"), reply("pub", "", "OK", "ID", "1")])
        #expect(h.core.takeActions() == [.pauseReading(client: b("pub"))])
        #expect(h.core.client(b("pub"))?.paused == true)
        #expect(h.core.client(b("sub"))?.fullSince == h.now)
        #expect(h.core.stats.paused == 1)
        // The rest of the batch already read: still delivered, no second pause.
        #expect(Self.put(h, "pub", "t", "y") == [Self.message("sub", "t", "y")])
        #expect(h.core.takeActions().isEmpty)
        h.env.fullPipes = []
        h.now += 100 * ms
        h.core.drained(client: b("sub"), now: h.now)
        #expect(h.core.takeActions() == [.resumeReading(client: b("pub"))])
        #expect(h.core.client(b("pub"))?.paused == false)
        #expect(h.core.client(b("sub"))?.fullSince == nil)
        #expect(h.core.stats.paused == 0)
    }

    @Test func otherTopicsAndOtherClientsKeepFlowing() {
        let h = Self.harness()
        for name in ["p1", "p2", "s1", "s2"] { h.connect(name) }
        h.send("s1", "", "SUB", "", "t1")
        h.send("s2", "", "SUB", "", "t2")
        h.env.fullPipes = [b("s1")]
        _ = Self.put(h, "p1", "t1", "a")
        #expect(h.core.takeActions() == [.pauseReading(client: b("p1"))])
        #expect(Self.put(h, "p2", "t2", "b") == [Self.message("s2", "t2", "b")])
        #expect(h.send("p2", "", "NOOP", "ID", "n") == [reply("p2", "", "OK", "ID", "n")])
        #expect(h.send("s2", "", "NOOP", "ID", "n") == [reply("s2", "", "OK", "ID", "n")])
        #expect(h.core.takeActions().isEmpty)
    }

    @Test func severalPublishersBlockedOnOneSubscriberAllResume() {
        let h = Self.harness()
        for name in ["p1", "p2", "p3", "sub"] { h.connect(name) }
        h.send("sub", "", "SUB", "", "t")
        h.env.fullPipes = [b("sub")]
        for p in ["p1", "p2"] { _ = Self.put(h, p, "t", p) }
        #expect(h.core.takeActions() == [.pauseReading(client: b("p1")), .pauseReading(client: b("p2"))])
        #expect(h.core.stats.paused == 2)
        h.core.drained(client: b("sub"), now: h.now)
        let resumed = h.core.takeActions()
        #expect(Set(resumed.map { "\($0)" }) == Set([b("p1"), b("p2")].map { "\(BrokerAction.resumeReading(client: $0))" }))
        #expect(resumed.count == 2)
        #expect(h.core.client(b("p3"))?.paused == false)
    }

    @Test func aPublisherBlockedOnSeveralSubscribersWaitsForAll() {
        let h = Self.harness()
        for name in ["pub", "s1", "s2", "s3"] { h.connect(name) }
        for s in ["s1", "s2", "s3"] { h.send(s, "", "SUB", "", "t") }
        h.env.fullPipes = [b("s1"), b("s2")]
        #expect(Self.put(h, "pub", "t", "x").count == 3)
        #expect(h.core.takeActions() == [.pauseReading(client: b("pub"))])
        h.core.drained(client: b("s1"), now: h.now)
        #expect(h.core.takeActions().isEmpty)
        #expect(h.core.client(b("pub"))?.paused == true)
        h.core.drained(client: b("s2"), now: h.now)
        #expect(h.core.takeActions() == [.resumeReading(client: b("pub"))])
    }

    @Test func aQueueFullPastTheTimeoutIsDisconnectedAsASlowConsumer() {
        let h = Self.harness()
        for name in ["pub", "sub", "other"] { h.connect(name) }
        h.send("sub", "", "SUB", "", "t", "only-sub")
        h.send("other", "", "SUB", "", "t")
        h.env.fullPipes = [b("sub")]
        let start = h.now
        _ = Self.put(h, "pub", "t", "x")
        _ = h.core.takeActions()
        #expect(h.core.nextDeadline == start + 1 * second)
        h.now = start + 999 * ms
        #expect(h.tick().isEmpty)
        #expect(h.core.takeActions().isEmpty)
        h.now = start + 1 * second
        #expect(h.tick().isEmpty)
        #expect(h.core.takeActions() == [
            .resumeReading(client: b("pub")),
            .disconnect(client: b("sub"), finalMessage: MC0Message.error(message: Self.slowText, id: nil).frames()),
        ])
        #expect(h.core.client(b("sub")) == nil)
        #expect(h.core.stats.slowConsumers == 1)
        #expect(h.core.stats.topics == 1)  // only-sub left the table
        #expect(h.core.stats.paused == 0)
        #expect(h.env.logs.filter { $0.level == "warning" }.count == 1)
        #expect(h.env.logs.contains { $0.text.contains("'sub'") && $0.text.contains("slow consumer") })
        // Later fan-out goes to the others only; the publisher was never evicted.
        h.env.fullPipes = []
        #expect(Self.put(h, "pub", "t", "y") == [Self.message("other", "t", "y")])
    }

    @Test func aDrainRestartsTheSlowConsumerClock() {
        let h = Self.harness()
        for name in ["pub", "sub"] { h.connect(name) }
        h.send("sub", "", "SUB", "", "t")
        let start = h.now
        h.env.fullPipes = [b("sub")]
        _ = Self.put(h, "pub", "t", "1")
        h.now = start + 500 * ms
        h.core.drained(client: b("sub"), now: h.now)
        h.now = start + 800 * ms
        _ = Self.put(h, "pub", "t", "2")
        h.now = start + 1 * second
        h.tick()
        #expect(h.core.client(b("sub")) != nil)
        h.now = start + 1800 * ms
        h.tick()
        #expect(h.core.client(b("sub")) == nil)
        #expect(h.core.stats.slowConsumers == 1)
    }

    @Test func aPausedClientIsNotEvictedForSilence() {
        let h = Harness(config: BrokerConfig(slowConsumerTimeout: 60 * second))
        h.connect("pub", ttl: 1000)
        h.connect("sub", ttl: 100_000)
        h.send("sub", "", "SUB", "", "t")
        h.env.fullPipes = [b("sub")]
        _ = Self.put(h, "pub", "t", "x")
        // The broker does not read the publisher, so it cannot hear its NOOPs.
        for _ in 0..<50 {
            h.now += 100 * ms
            h.tick()
        }
        #expect(h.core.client(b("pub")) != nil)
        h.core.drained(client: b("sub"), now: h.now)
        h.now += 1000 * ms
        h.tick()
        #expect(h.core.client(b("pub")) != nil)
        // Its silence counts from the resume on.
        h.now += 100 * ms
        h.tick()
        #expect(h.core.client(b("pub")) == nil)
        #expect(h.core.stats.evictions == 1)
    }

    /// A peer paused by a PUT it sent before its CONNECT (both in one read: the rest of a batch
    /// is still handled) is not read, so it is not evicted for silence either.
    @Test func aClientPausedBeforeItConnectedIsNotEvictedForSilence() {
        let h = Harness(config: BrokerConfig(slowConsumerTimeout: 60 * second))
        h.connect("sub", ttl: 100_000)
        h.send("sub", "", "SUB", "", "t")
        h.env.fullPipes = [b("sub")]
        _ = Self.put(h, "pub", "t", "x")
        #expect(h.core.takeActions() == [.pauseReading(client: b("pub"))])
        h.connect("pub", ttl: 1000)
        #expect(h.core.client(b("pub"))?.paused == true)
        for _ in 0..<50 {
            h.now += 100 * ms
            h.tick()
        }
        #expect(h.core.client(b("pub")) != nil)
        h.core.drained(client: b("sub"), now: h.now)
        #expect(h.core.client(b("pub"))?.paused == false)
        h.now += 1100 * ms
        h.tick()
        #expect(h.core.client(b("pub")) == nil)
        #expect(h.core.stats.evictions == 1)
    }

    /// p1 and p2 publish to "t", whose one subscriber "sub" is full: both are paused.
    static func twoPublishersBlockedOnOneSubscriber() -> Harness {
        let h = Self.harness()
        for name in ["p1", "p2", "sub"] { h.connect(name) }
        h.send("sub", "", "SUB", "", "t")
        h.env.fullPipes = [b("sub")]
        for p in ["p1", "p2"] { _ = Self.put(h, p, "t", p) }
        _ = h.core.takeActions()
        return h
    }

    @Test func disconnectOfABlockedPublisherOrOfTheSubscriberItWaitsFor() {
        let h = Self.twoPublishersBlockedOnOneSubscriber()
        // p1 leaves (its DISCONNECT read in the batch): its connection is read again.
        h.send("p1", "", "DISCONNECT")
        #expect(h.core.takeActions() == [.resumeReading(client: b("p1"))])
        #expect(h.core.stats.paused == 1)
        // The subscriber goes away: p2 resumes.
        h.send("sub", "", "DISCONNECT")
        #expect(h.core.takeActions() == [.resumeReading(client: b("p2"))])
        #expect(h.core.stats.paused == 0)
        // A late drain report for the gone subscriber does nothing.
        h.core.drained(client: b("sub"), now: h.now)
        #expect(h.core.takeActions().isEmpty)
    }

    @Test func transportLossOfABlockedPublisherOrOfTheSubscriberItWaitsFor() {
        let h = Self.twoPublishersBlockedOnOneSubscriber()
        h.core.disconnected(client: b("p1"))
        _ = h.core.takeActions()
        #expect(h.core.stats.paused == 1)
        h.core.disconnected(client: b("sub"))
        #expect(h.core.takeActions() == [.resumeReading(client: b("p2"))])
        #expect(h.core.stats.paused == 0)
        #expect(h.core.nextDeadline != nil)  // p2's heartbeat
    }

    /// A publisher subscribed to its own topic that never reads blocks on itself: it is only
    /// paused, however long, until it holds up another publisher too.
    @Test func selfLoop() {
        let h = Self.harness()
        h.connect("me")
        h.connect("other")
        h.send("me", "", "SUB", "", "t")
        h.env.fullPipes = [b("me")]
        #expect(Self.put(h, "me", "t", "x") == [Self.message("me", "t", "x")])
        #expect(h.core.takeActions() == [.pauseReading(client: b("me"))])
        h.core.drained(client: b("me"), now: h.now)
        #expect(h.core.takeActions() == [.resumeReading(client: b("me"))])
        _ = Self.put(h, "me", "t", "y")
        _ = h.core.takeActions()
        h.now += 10 * second
        h.tick()
        #expect(h.core.takeActions().isEmpty)
        #expect(h.core.client(b("me"))?.paused == true)
        // Another publisher now waits for it: past the timeout it is a slow consumer.
        _ = Self.put(h, "other", "t", "z")
        #expect(h.core.takeActions() == [.pauseReading(client: b("other"))])
        h.now += 1 * second
        h.tick()
        #expect(h.core.takeActions() == [
            .resumeReading(client: b("other")),
            .disconnect(client: b("me"), finalMessage: MC0Message.error(message: Self.slowText, id: nil).frames()),
        ])
        #expect(h.core.stats == BrokerStats(clients: 1, topics: 0, messagesIn: 6, messagesOut: 6, paused: 0, errors: 0, evictions: 0, slowConsumers: 1))
    }

    /// Replies are never dropped either: a client that does not read its acks, or a peer
    /// without a session that does not read its ERRORs, is paused itself.
    @Test func repliesToAClientThatDoesNotReadPauseThatClient() {
        let h = Self.harness()
        h.connect("a")
        h.env.fullPipes = [b("a"), b("x")]
        #expect(h.send("a", "", "NOOP", "ID", "1") == [reply("a", "", "OK", "ID", "1")])
        #expect(h.core.takeActions() == [.pauseReading(client: b("a"))])
        #expect(h.send("x", "", "SUB", "", "t") == [error("x", "not connected (never connected, or dropped after a TTL of silence): send CONNECT again, then retry SUB")])
        #expect(h.core.takeActions() == [.pauseReading(client: b("x"))])
        #expect(h.core.stats.paused == 2)
        h.core.drained(client: b("x"), now: h.now)
        #expect(h.core.takeActions() == [.resumeReading(client: b("x"))])
        _ = h.send("x", "", "SUB", "", "t")
        _ = h.core.takeActions()
        h.core.disconnected(client: b("x"))
        #expect(h.core.stats.paused == 1)
        // Full only of its own replies, "a" holds up nobody: it stays, paused, however long.
        h.now += 60 * second
        h.tick()
        #expect(h.core.client(b("a"))?.paused == true)
        #expect(h.core.stats.slowConsumers == 0)
    }

    /// A client paused on its own replies that then sends DISCONNECT (read in the same batch)
    /// is resumed: its connection may CONNECT again.
    @Test func disconnectOfAClientPausedOnlyByItselfResumesIt() {
        let h = Self.harness()
        h.connect("a")
        h.env.fullPipes = [b("a")]
        _ = h.send("a", "", "NOOP", "ID", "1")
        #expect(h.core.takeActions() == [.pauseReading(client: b("a"))])
        _ = h.send("a", "", "DISCONNECT")
        #expect(h.core.takeActions() == [.resumeReading(client: b("a"))])
        #expect(h.core.stats.paused == 0)
    }

    @Test func heartbeatsSkipAFullClientThatHoldsUpNobody() {
        let h = Self.harness()
        h.connect("a", ttl: 100_000)
        h.env.fullPipes = [b("a")]
        let due = h.core.nextDeadline!
        h.now = due
        #expect(h.tick().isEmpty)
        #expect(h.core.client(b("a"))?.fullSince == due)
        h.now = due + 10 * second
        h.tick()
        #expect(h.core.stats.slowConsumers == 0)
        #expect(h.core.client(b("a")) != nil)
    }
}
