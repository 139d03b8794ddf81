import Testing
import TestSupport
import MC0
import MC0Broker

@Suite struct BrokerCoreHeartbeatTests {
    static let noop = f("", "NOOP")

    /// Runs ticks whenever the core asks, up to `end`, and returns what they sent.
    static func run(_ h: Harness, until end: UInt64) -> [(at: UInt64, out: Outgoing)] {
        var sent: [(at: UInt64, out: Outgoing)] = []
        while let deadline = h.core.nextDeadline, deadline <= end {
            #expect(deadline >= h.now, "a deadline in the past would make the driver spin")
            h.now = max(h.now, deadline)
            sent += h.tick().map { (at: h.now, out: $0) }
        }
        h.now = end
        sent += h.tick().map { (at: h.now, out: $0) }
        return sent
    }

    @Test(arguments: [0.0, 0.25, 0.5, 0.75, 0.999_999, 1.0, -3.0, 7.0, Double.nan])
    func heartbeatIsScheduledEarlyWithJitter(jitter: Double) {
        let h = Harness()
        h.env.jitter = jitter
        let ttl: UInt64 = 10 * second
        let start = h.now
        h.connect("a", ttl: 10_000)
        let j = jitter.isFinite ? min(max(jitter, 0), 1) : 0.5
        let due = start + UInt64(Double(ttl) * (0.5 + 0.25 * j))
        #expect(h.core.nextDeadline == due)
        #expect(due - start >= ttl / 2)
        #expect(due - start <= ttl * 3 / 4)
        h.now = due - 1
        #expect(h.tick().isEmpty)
        h.now = due
        #expect(h.tick() == [Outgoing(client: b("a"), frames: Self.noop)])
        #expect(h.core.client(b("a"))?.lastSent == due)
    }

    @Test func clientAlwaysHearsWithin95PercentOfTTLAndIsNeverEvicted() {
        let h = Harness()
        var rng = SplitMix(seed: 42)
        let ttl: UInt64 = 1000 * ms
        h.connect("a", ttl: 1000)
        var lastHeardFromBroker = h.now
        var clientNoopAt = h.now + ttl * 95 / 100
        let end = h.now + 200 * ttl
        while h.now < end {
            let brokerAt = h.core.nextDeadline ?? .max
            h.now = min(brokerAt, clientNoopAt)
            h.env.jitter = Double(rng.next() % 1000) / 1000
            if h.now == clientNoopAt {
                h.send("a", "", "NOOP")
                clientNoopAt += ttl * 95 / 100
            }
            for out in h.tick() where out.client == b("a") {
                #expect(out.frames == Self.noop)
                #expect(h.now - lastHeardFromBroker <= ttl * 95 / 100)
                // Never in lockstep with the client's own NOOP.
                #expect(h.now != clientNoopAt - ttl * 95 / 100)
                lastHeardFromBroker = h.now
            }
            #expect(h.core.client(b("a")) != nil)
        }
        #expect(h.core.stats.evictions == 0)
    }

    @Test func noHeartbeatWhileOtherTrafficReachesTheClient() {
        let h = Harness()
        h.connect("pub", ttl: 1000)
        h.connect("sub", ttl: 1000)
        h.send("sub", "", "SUB", "", "t")
        let start = h.now
        var noopsToSub = 0
        for step in 1...100 {
            h.now = start + UInt64(step) * 100 * ms
            if step % 4 == 0 { h.send("pub", "", "PUT", "TOPIC", "t", "", "\(step)") }
            if step % 9 == 0 { h.send("sub", "", "NOOP") }
            noopsToSub += h.tick().filter { $0.client == b("sub") }.count
        }
        #expect(noopsToSub == 0)
        #expect(h.core.stats.evictions == 0)
    }

    @Test func silentClientIsEvictedAt105PercentOfTTLThenToldToConnectAgain() {
        let h = Harness()
        h.connect("quiet", ttl: 1000)
        h.connect("other", ttl: 1000)
        h.send("quiet", "", "SUB", "", "t")
        let start = h.now
        let evictAt = start + 1050 * ms
        let sent = Self.run(h, until: evictAt - 1)
        #expect(sent.filter { $0.out.client == b("quiet") }.map(\.at) == [start + 625 * ms])
        #expect(h.core.client(b("quiet")) != nil)
        h.now = evictAt
        h.tick()
        #expect(h.core.client(b("quiet")) == nil)
        #expect(h.core.stats.evictions == 2)
        #expect(h.core.stats.topics == 0)
        #expect(h.env.logs.contains { $0.level == "info" && $0.text.contains("evicted") })
        #expect(h.send("quiet", "", "NOOP", "ID", "late") == [error("quiet", "not connected (never connected, or dropped after a TTL of silence): send CONNECT again, then retry NOOP", id: "late")])
        h.connect("quiet", ttl: 1000)
    }

    @Test func lateClientNoopBeforeEvictionIsFine() {
        let h = Harness()
        h.connect("a", ttl: 1000)
        let start = h.now
        _ = Self.run(h, until: start + 1040 * ms)
        #expect(h.send("a", "", "NOOP", "ID", "1") == [reply("a", "", "OK", "ID", "1")])
        _ = Self.run(h, until: start + 2089 * ms)
        #expect(h.core.client(b("a")) != nil)
        _ = Self.run(h, until: start + 2090 * ms)
        #expect(h.core.client(b("a")) == nil)
    }

    @Test func nextDeadlineFollowsTheEarliestClientAndActivity() {
        let h = Harness()
        #expect(h.core.nextDeadline == nil)
        let start = h.now
        h.connect("slow", ttl: 10_000)
        h.connect("fast", ttl: 1000)
        #expect(h.core.nextDeadline == start + 625 * ms)
        // Traffic to "fast" moves its real deadline; the early wake-up just reschedules.
        h.now = start + 500 * ms
        h.send("fast", "", "NOOP", "ID", "x")
        h.now = start + 625 * ms
        #expect(h.tick().isEmpty)
        #expect(h.core.nextDeadline == start + 1125 * ms)
        h.send("fast", "", "DISCONNECT")
        h.tick()
        #expect(h.core.nextDeadline == start + 6250 * ms)
        h.core.disconnected(client: b("slow"))
        #expect(h.core.nextDeadline == nil)
    }

    @Test func fullPipeDefersTheHeartbeatWithoutSpinning() {
        let h = Harness()
        h.connect("a", ttl: 1000)
        h.env.fullPipes = [b("a")]
        let due = h.core.nextDeadline!
        h.now = due
        #expect(h.tick().isEmpty)
        #expect(h.core.nextDeadline! > h.now)
        #expect(h.core.client(b("a"))?.fullSince == due)
    }

    @Test func connectDisconnectChurnLeavesNoDeadlines() {
        let h = Harness()
        h.connect("stay", ttl: 1000)
        let due = h.core.nextDeadline
        for n in 0..<5000 {
            h.send("c\(n)", "", "CONNECT", "VERSION", "0.3", "TTL", "100")
            if n % 2 == 0 { h.send("c\(n)", "", "DISCONNECT") } else { h.core.disconnected(client: b("c\(n)")) }
        }
        #expect(h.core.stats.clients == 1)
        #expect(h.core.nextDeadline == due)
        h.core.disconnected(client: b("stay"))
        #expect(h.core.nextDeadline == nil)
    }
}
