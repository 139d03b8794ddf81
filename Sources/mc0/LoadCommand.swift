#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import MC0Connector
import Synchronization

/// `mc0 load`: many clients at once, in two modes.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test a broker: N clients x M acknowledged NOOPs, or a fan-out of publishers to subscribers.",
        discussion: """
            NOOP mode (default): --clients N connectors each send --count M acknowledged NOOPs, one at a time.
            Fan-out mode (--fanout): --subscribers S connectors subscribe to one topic, --publishers P connectors each \
            publish --count M acknowledged messages to it; every subscriber should receive all P x M, in each \
            publisher's order. Lost and out-of-order messages are counted. A progress line goes to stderr, the final \
            table to stdout. Exits 0 only if nothing failed, was lost or came out of order. With a broker pool \
            (plugin.zeromq.pool.*) the clients are spread over its members, client i starting at member i mod size: \
            a fan-out then crosses the cluster, and waits until every subscriber hears a probe before it starts.
            """)

    @OptionGroup var broker: BrokerOptions
    @Option(help: "NOOP mode: concurrent clients.")
    var clients = 10
    @Option(help: "NOOPs per client, or messages per publisher with --fanout.")
    var count = 1000
    @Flag(help: "Fan-out mode: publishers to subscribers.")
    var fanout = false
    @Option(help: "Fan-out mode: subscribers.")
    var subscribers = 10
    @Option(help: "Fan-out mode: publishers.")
    var publishers = 1
    @Option(help: "Fan-out mode: topic (default 'mc0load <pid>').")
    var topic: String?
    @Option(help: "Fan-out mode: seconds to wait for the last deliveries after the last publish was acknowledged.")
    var drainTimeout: Double = 10

    func validate() throws {
        for (name, value) in [("--clients", clients), ("--count", count), ("--subscribers", subscribers), ("--publishers", publishers)]
        where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
    }

    func run() async throws {
        broker.setUpLogging()
        let base = try broker.makeConfig()
        let ok = fanout ? try await runFanout(base) : try await runNoops(base)
        if !ok { throw ExitCode(1) }
    }

    /// Connectors for one run; identities get a suffix so every client has its own topics.
    func connect(_ count: Int, _ base: ConnectorConfig, role: String) async throws -> [MC0Connector] {
        var result: [MC0Connector] = []
        for i in 0..<count {
            var config = base
            config.identity = "\(base.identity)-\(role)\(i)"
            if let size = base.poolSize, size > 1 {
                let members = Array(base.pool.prefix(size))
                config.pool = Array(members[(i % size)...] + members[..<(i % size)])
            }
            let connector = try MC0Connector(config: config)
            try await connector.connect()
            result.append(connector)
        }
        return result
    }

    func runNoops(_ base: ConnectorConfig) async throws -> Bool {
        let connectors = try await connect(clients, base, role: "load")
        let progress = Progress(total: clients * count, label: "acked")
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: ([Duration], Int).self) { group in
            for connector in connectors {
                group.addTask { [count] in
                    var samples: [Duration] = []
                    samples.reserveCapacity(count)
                    var failed = 0
                    for _ in 0..<count {
                        do { samples.append(try await connector.ping()) } catch { failed += 1; progress.fail() }
                        progress.advance()
                    }
                    return (samples, failed)
                }
            }
            progress.start()
            var all: [Duration] = [], failed = 0
            for try await (samples, f) in group {
                all += samples
                failed += f
            }
            return (all, failed)
        }
        let elapsed = ContinuousClock.now - started
        progress.finish()
        for connector in connectors { await connector.close() }
        let stats = LatencyStats(latencies.0)
        let seconds = elapsed.seconds
        printLine(table([
            ["clients", "noops", "acked", "failed", "seconds", "per second", "min ms", "p50 ms", "p99 ms", "max ms"],
            ["\(clients)", "\(clients * count)", "\(latencies.0.count)", "\(latencies.1)", format3(seconds),
             "\(Int(Double(latencies.0.count) / max(seconds, 1e-9)))", LatencyStats.milliseconds(stats.sorted.first),
             LatencyStats.milliseconds(stats.percentile(0.5)), LatencyStats.milliseconds(stats.percentile(0.99)),
             LatencyStats.milliseconds(stats.sorted.last)],
        ]))
        return latencies.1 == 0
    }

    func runFanout(_ base: ConnectorConfig) async throws -> Bool {
        let topic = self.topic ?? "mc0load \(base.identity) \(getpid())"
        let subs = try await connect(subscribers, base, role: "sub")
        for sub in subs { try await sub.subscribe(topic) }
        let pubs = try await connect(publishers, base, role: "pub")
        let expectedPerSubscriber = publishers * count
        let progress = Progress(total: expectedPerSubscriber * subscribers, label: "delivered")
        let tallies = subs.map { _ in FanoutTally(publishers: publishers, count: count) }
        var readers: [Task<Void, Never>] = []
        for (sub, tally) in zip(subs, tallies) {
            readers.append(Task {
                for await message in sub.messages {
                    guard tally.record(message) else { continue }
                    progress.advance()
                    if tally.received >= expectedPerSubscriber { break }
                }
            })
        }
        if (base.poolSize ?? 1) > 1 {
            // Subscriptions at other brokers reach the whole NATS cluster a moment later.
            let deadline = ContinuousClock.now + .seconds(10)
            while tallies.contains(where: { !$0.probed }), ContinuousClock.now < deadline {
                try? await pubs[0].publish(topic: topic, headers: [(FanoutTally.probeHeader, "1")], body: [])
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        progress.start()
        let started = ContinuousClock.now
        let failedPublishes = try await withThrowingTaskGroup(of: Int.self) { group in
            for (p, pub) in pubs.enumerated() {
                group.addTask { [count] in
                    var failed = 0
                    for seq in 0..<count {
                        do {
                            try await pub.publish(topic: topic, headers: [("X-PUBLISHER", "\(p)"), ("X-SEQ", "\(seq)")], body: [])
                        } catch {
                            failed += 1
                        }
                    }
                    return failed
                }
            }
            return try await group.reduce(0, +)
        }
        // Deliveries precede each OK, so little is left in flight; wait a bounded time for it.
        let deadline = ContinuousClock.now + .milliseconds(Int(drainTimeout * 1000))
        while tallies.contains(where: { $0.received < expectedPerSubscriber }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = ContinuousClock.now - started
        progress.finish()
        for connector in subs + pubs { await connector.close() }
        for reader in readers { await reader.value }
        let received = tallies.map(\.received).reduce(0, +)
        let unique = tallies.map(\.unique).reduce(0, +)
        let lost = expectedPerSubscriber * subscribers - unique
        let outOfOrder = tallies.map(\.outOfOrder).reduce(0, +)
        let duplicates = received - unique
        printLine(table([
            ["subscribers", "publishers", "per publisher", "publish failed", "expected", "received", "lost", "out of order",
             "duplicates", "seconds", "deliveries/s"],
            ["\(subscribers)", "\(publishers)", "\(count)", "\(failedPublishes)", "\(expectedPerSubscriber * subscribers)",
             "\(received)", "\(lost)", "\(outOfOrder)", "\(duplicates)", format3(elapsed.seconds),
             "\(Int(Double(received) / max(elapsed.seconds, 1e-9)))"],
        ]))
        return failedPublishes == 0 && lost == 0 && outOfOrder == 0 && duplicates == 0
    }
}

/// What one subscriber received in fan-out mode.
final class FanoutTally: Sendable {
    private struct State {
        var received = 0
        var probed = false
        var outOfOrder = 0
        /// Per publisher: highest sequence number seen, and which were seen.
        var highest: [Int]
        var seen: [[Bool]]
    }
    private let state: Mutex<State>

    init(publishers: Int, count: Int) {
        state = Mutex(State(highest: Array(repeating: -1, count: publishers),
                            seen: Array(repeating: Array(repeating: false, count: count), count: publishers)))
    }

    static let probeHeader = "X-PROBE"

    /// Counts a delivery; false for a probe, which only marks the subscriber as reached.
    func record(_ message: MC0Delivery) -> Bool {
        state.withLock { s in
            if message.header(Self.probeHeader) != nil {
                s.probed = true
                return false
            }
            s.received += 1
            guard let p = message.header("X-PUBLISHER").flatMap({ Int($0) }), let seq = message.header("X-SEQ").flatMap({ Int($0) }),
                  s.highest.indices.contains(p), s.seen[p].indices.contains(seq) else { return true }
            if seq < s.highest[p] { s.outOfOrder += 1 }
            s.highest[p] = max(s.highest[p], seq)
            s.seen[p][seq] = true
            return true
        }
    }

    var received: Int { state.withLock { $0.received } }
    var probed: Bool { state.withLock { $0.probed } }
    var outOfOrder: Int { state.withLock { $0.outOfOrder } }
    var unique: Int { state.withLock { $0.seen.reduce(0) { $0 + $1.count { $0 } } } }
}

/// The progress line on stderr, rewritten twice a second.
final class Progress: Sendable {
    let total: Int
    let label: String
    private let done = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)
    private let started = ContinuousClock.now

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func advance() { done.add(1, ordering: .relaxed) }
    func fail() { failed.add(1, ordering: .relaxed) }

    func start() {
        running.store(true, ordering: .relaxed)
        Task { [self] in
            while running.load(ordering: .relaxed) {
                draw(final: false)
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    func finish() {
        running.store(false, ordering: .relaxed)
        draw(final: true)
    }

    private func draw(final: Bool) {
        let n = done.load(ordering: .relaxed)
        let seconds = (ContinuousClock.now - started).seconds
        let rate = Int(Double(n) / max(seconds, 1e-9))
        printError("\r\(label) \(n)/\(total)  failed \(failed.load(ordering: .relaxed))  \(rate)/s   ", newline: final)
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
