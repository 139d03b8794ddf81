import Testing
import MC0
import MC0Broker

// Shared helpers for the broker core tests: a core with an injected clock, pipe state,
// jitter and log, plus frame shorthands.

func b(_ text: String) -> [UInt8] { Array(text.utf8) }
func f(_ texts: String...) -> [[UInt8]] { texts.map(b) }

let ms: UInt64 = 1_000_000
let second: UInt64 = 1_000 * ms

/// What the injected closures read and write.
final class CoreEnvironment {
    var fullPipes: Set<[UInt8]> = []
    var jitter: Double = 0.5
    var logs: [(level: String, text: String)] = []
}

final class Harness {
    let env = CoreEnvironment()
    let core: BrokerCore
    var now: UInt64 = 1_000 * second

    init(config: BrokerConfig = BrokerConfig()) {
        let env = self.env
        core = BrokerCore(config: config,
                          isFull: { env.fullPipes.contains($0) },
                          jitter: { env.jitter },
                          log: { level, text in env.logs.append((level: "\(level)", text: text)) })
    }

    @discardableResult
    func send(_ client: String, _ frames: [[UInt8]]) -> [Outgoing] {
        core.handle(client: b(client), frames: frames, now: now)
    }

    @discardableResult
    func send(_ client: String, _ texts: String...) -> [Outgoing] {
        send(client, texts.map(b))
    }

    func connect(_ client: String, ttl: UInt64 = 10_000) {
        let out = send(client, "", "CONNECT", "VERSION", "0.3", "TTL", "\(ttl)", "ID", "c")
        #expect(out == [reply(client, "", "OK", "ID", "c")])
    }

    @discardableResult
    func tick() -> [Outgoing] { core.tick(now: now) }
}

func reply(_ client: String, _ texts: String...) -> Outgoing {
    Outgoing(client: b(client), frames: texts.map(b))
}

func error(_ client: String, _ text: String, id: String? = nil) -> Outgoing {
    Outgoing(client: b(client), frames: MC0Message.error(message: text, id: id.map(b)).frames())
}

@Suite struct BrokerCoreHarnessTests {
    @Test func freshCoreIsEmpty() {
        let h = Harness()
        #expect(h.core.stats == BrokerStats())
        #expect(h.core.nextDeadline == nil)
        #expect(h.tick().isEmpty)
        #expect(h.core.client(b("nobody")) == nil)
    }

    @Test func statsCountInOutAndErrors() {
        let h = Harness()
        h.connect("a")
        h.send("a", "", "SUB", "", "t")
        h.send("a", "", "PUT", "TOPIC", "t", "", "x")
        h.send("a", "", "BOGUS")
        #expect(h.core.stats == BrokerStats(clients: 1, topics: 1, messagesIn: 4, messagesOut: 3, errors: 1, evictions: 0))
    }
}
