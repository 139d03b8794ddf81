import Foundation
import Synchronization
import TestSupport
import Testing
import ZMTP

/// Floods against the mc0d binary: thousands of connections that stall in the handshake, and
/// a subscriber that never reads while a publisher pushes hundreds of megabytes at it.
@Suite(.serialized) struct BrokerFaultFloodTests {
    /// The broker's handshake timeout for these tests (mc0d --handshake-timeout).
    static let handshakeTimeout = 3.0

    @Test(.timeLimit(.minutes(2)))
    func twoThousandStalledHandshakesLeaveRealClientsAlone() throws {
        let stalled = 2000, real = 50
        #expect(raiseDescriptorLimit(to: stalled + 1024) >= stalled + 256)
        let broker = try BrokerProcess(["--handshake-timeout", "\(Self.handshakeTimeout)"], logLevel: "error")
        defer { broker.stop() }
        let clients = try (0..<real).map { _ in try FaultClient.connected(broker) }
        defer { clients.forEach { $0.close() } }
        let rounds = RoundTrips(clients)
        defer { rounds.stop() }
        #expect(rounds.waitForRounds(20, timeout: 20))
        let baselineRSS = try #require(broker.residentKiB())
        let baselineFDs = try #require(broker.openDescriptors())

        // Half a CURVE greeting each, then silence.
        let floodStart = ContinuousClock.now
        let floodTime = rounds.mark()
        let half = Array(RawZMTP.greeting(mechanism: "CURVE").prefix(32))
        var peers: [RawPeer] = []
        for _ in 0..<stalled {
            let peer = try RawPeer(port: broker.port, timeoutSeconds: 5)
            peer.write(half)
            peers.append(peer)
        }
        let floodMs = millisecondsSince(floodStart)
        #expect(broker.waitUntil(timeout: 10, broker.openDescriptors) { $0 >= baselineFDs + 1000 })
        let floodRSS = try #require(broker.residentKiB())
        let floodFDs = try #require(broker.openDescriptors())
        // The listener's cap: at most 1024 connections in handshake; older ones made room.
        // (Wait for the broker to work through its accept queue before counting.)
        var held = stalled
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            held = peers.filter { !$0.closedNow() }.count
            if held <= 1024 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(held <= 1024 && held >= 1000, "held \(held)")

        // A newcomer during the flood is served: at the cap the oldest stalled connection makes
        // room, so the flood cannot lock real clients out.
        let newcomer = try FaultClient.dealer(broker)
        defer { newcomer.close() }
        try newcomer.send(FaultClient.frames(connectFrames(ttl: 60_000, id: "late")), timeout: .seconds(1))
        let newcomerServed = (try? newcomer.receive(timeout: .seconds(2))) != nil
        #expect(newcomerServed)

        let stallTime = rounds.mark()
        // The broker drops each stalled connection at its handshake timeout.
        #expect(broker.waitUntil(timeout: Self.handshakeTimeout + 15, broker.openDescriptors) { $0 <= baselineFDs + 1 })
        let afterTime = rounds.mark()
        #expect(peers.allSatisfy { $0.closedByPeer() })
        #expect(rounds.waitForRounds(rounds.count + 20, timeout: 20))
        rounds.stop()
        let afterRSS = try #require(broker.residentKiB())
        let afterFDs = try #require(broker.openDescriptors())

        let summary = rounds.summary(phases: [("before", 0, floodTime), ("flooding", floodTime, stallTime),
                                              ("stalled", stallTime, afterTime), ("after timeout", afterTime, .infinity)])
        print("""
            stalled handshakes: \(stalled) half greetings in \(Int(floodMs)) ms, \(held) held by the broker, \(stalled - held) dropped to make room; \
            newcomer served during the flood: \(newcomerServed)
            broker RSS KiB before \(baselineRSS) flood \(floodRSS) after \(afterRSS); fds before \(baselineFDs) flood \(floodFDs) after \(afterFDs)
            \(real) clients, rounds of one acked NOOP each: \(summary)
            """)
        #expect(rounds.errors.isEmpty, "\(rounds.errors.prefix(5))")
        #expect(rounds.worstMilliseconds < 1000, "worst round trip \(rounds.worstMilliseconds) ms")
        #expect(afterFDs <= baselineFDs + 1)
        #expect(afterRSS <= baselineRSS + 8 << 10, "RSS \(baselineRSS) KiB -> \(afterRSS) KiB")
        #expect(broker.child.process.isRunning)
    }

    @Test(.timeLimit(.minutes(2)))
    func subscriberThatNeverReadsIsBoundedAndOthersLoseNothing() throws {
        // 256 MiB in 64 KiB bodies: the issue's 1 GB scaled to CI time (scripts/soak pushes 1 GB
        // at a never-reading subscriber).
        let count = 4096, size = 64 << 10, queueLimit = 1000
        let broker = try BrokerProcess(["--stats-interval", "1", "--slow-consumer-timeout", "1"], logLevel: "info")
        defer { broker.stop() }
        let readers = try (0..<2).map { _ in try broker.client(["--timeout-ms", "90000", "subscribe", "--topic", "bulk", "--count", "\(count)"]) }
        defer { readers.forEach { $0.kill() } }
        for reader in readers { #expect(reader.waitLine("READY") != nil, "\(reader.allLines)") }

        // Takes one message into its pipe and never reads again: its TCP buffers, then its
        // pipe in the broker, fill up.
        var options = SocketOptions()
        options.receiveHighWaterMark = 1
        options.linger = .zero
        options.security = .curveClient(serverKey: try CurvePublicKey(z85: try #require(broker.publicKey)), keyPair: .generate())
        let sink = try ZMTPSocket(type: .dealer, options: options)
        defer { sink.close() }
        try sink.connect(broker.endpoint)
        #expect(try FaultClient.request(sink, connectFrames(ttl: 120_000, id: "c")) == ok("c"))
        #expect(try FaultClient.request(sink, ["", "SUB", "ID", "s", "", "bulk"]) == ok("s"))
        let baselineRSS = try #require(broker.residentKiB())

        let sampler = ResidentSampler(broker)
        let start = ContinuousClock.now
        let publisher = try broker.client(["--timeout-ms", "90000", "publish", "--topic", "bulk", "--count", "\(count)",
                                           "--size", "\(size)", "--rate", "1500"])
        #expect(publisher.waitExit(timeout: 90) == 0, "\(publisher.allLines.suffix(3))")
        for reader in readers {
            #expect(reader.waitExit(timeout: 60) == 0, "\(reader.allLines.suffix(3))")
            #expect(reader.allLines.last?.hasPrefix("OK \(count) ") == true, "\(reader.allLines.suffix(3))")
        }
        let seconds = millisecondsSince(start) / 1000
        let peakRSS = sampler.stop()
        // The never-reading subscriber paused the publisher until it was disconnected as a
        // slow consumer; the stats line counts it.
        #expect(broker.waitLog("slow consumer", timeout: 5))
        var slowConsumers = 0
        _ = broker.waitUntil(timeout: 5, { broker.lastStats()?["slow_consumers"] }) { slowConsumers = $0; return $0 == 1 }
        let afterRSS = try #require(broker.residentKiB())
        sink.close()
        _ = broker.waitUntil(timeout: 5, { broker.lastStats()?["clients"] }) { $0 <= 3 }
        let closedRSS = try #require(broker.residentKiB())

        print("""
            never-reading subscriber: \(count) x \(size) bytes (\((count * size) >> 20) MiB) in \(String(format: "%.1f", seconds)) s; \
            slow consumers disconnected \(slowConsumers) (stats line); 2 readers got all \(count) in order
            broker RSS KiB before \(baselineRSS) peak \(peakRSS) (+\((peakRSS - baselineRSS) >> 10) MiB) after \(afterRSS), \
            after the sink left \(closedRSS)
            """)
        // Bounded by the sink's queue (1000 messages) and not by what was sent (256 MiB).
        let ceilingKiB = queueLimit * size / 1024 + 48 << 10
        #expect(peakRSS - baselineRSS < ceilingKiB, "peak \(peakRSS) KiB, baseline \(baselineRSS) KiB")
        #expect(slowConsumers == 1)
        // The sink's broker is still responsive to it.
        #expect(broker.child.process.isRunning)
    }
}

/// Keeps acked NOOP round trips going on a set of connected clients from one thread: each
/// round sends one NOOP with an ID on every client, then waits for every OK.
final class RoundTrips: @unchecked Sendable {
    private struct State {
        var samples: [(at: Double, ms: Double)] = []
        var errors: [String] = []
        var running = true
    }
    private let state = Mutex(State())
    private let start = ContinuousClock.now
    private let finished = DispatchSemaphore(value: 0)

    init(_ clients: [ZMTPSocket]) {
        Thread.detachNewThread { [self] in
            var n = 0
            while state.withLock({ $0.running }) {
                n += 1
                let roundStart = ContinuousClock.now
                do {
                    let id = "\(n)"
                    for client in clients { try client.send(FaultClient.frames(["", "NOOP", "ID", id]), timeout: .seconds(5)) }
                    for client in clients {
                        let reply = try FaultClient.reply(client, timeout: .seconds(5))
                        if reply != ok(id) { throw FaultClient.UnexpectedReply(reply: reply) }
                    }
                    let sample = (millisecondsSince(start), millisecondsSince(roundStart))
                    state.withLock { $0.samples.append(sample) }
                } catch {
                    state.withLock { $0.errors.append("round \(n): \(error)") }
                    break
                }
            }
            finished.signal()
        }
    }

    /// Milliseconds since the start, to cut the samples into phases.
    func mark() -> Double { millisecondsSince(start) }

    var count: Int { state.withLock { $0.samples.count } }
    var errors: [String] { state.withLock { $0.errors } }
    var worstMilliseconds: Double { state.withLock { $0.samples.map(\.ms).max() ?? 0 } }

    func waitForRounds(_ n: Int, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if count >= n { return true }
            if !errors.isEmpty { return false }
            usleep(10_000)
        }
        return false
    }

    func stop() {
        let wasRunning = state.withLock { s in
            defer { s.running = false }
            return s.running
        }
        if wasRunning { _ = finished.wait(timeout: .now() + 15) }
    }

    /// "before: 412 rounds, p50 1.2 ms, max 3.4 ms; ..."
    func summary(phases: [(String, Double, Double)]) -> String {
        let samples = state.withLock { $0.samples }
        return phases.map { name, from, to in
            let ms = samples.filter { $0.at >= from && $0.at < to }.map(\.ms).sorted()
            guard !ms.isEmpty else { return "\(name): no rounds" }
            return String(format: "%@: %d rounds, p50 %.1f ms, p99 %.1f ms, max %.1f ms", name, ms.count,
                          ms[ms.count / 2], ms[min(ms.count - 1, ms.count * 99 / 100)], ms[ms.count - 1])
        }.joined(separator: "; ")
    }
}
