import Foundation
import TestSupport
import Testing

/// Flow control of the mc0d process with stock libzmq clients (pyzmq, CURVE, libzmq's default
/// high-water marks): a publisher that never waits loses nothing for healthy subscribers, and a
/// subscriber that never reads is cut off after --slow-consumer-timeout instead of costing the
/// others messages or the broker memory (issue 11).
@Suite(.serialized) struct BrokerEndToEndFlowTests {
    static let count = 20_000
    /// The no-loss tests show flow control, not the slow-consumer policy: a pyzmq subscriber
    /// starved of CPU for seconds by tests running alongside must not be cut off there.
    static let patient = ["--slow-consumer-timeout", "120"]

    @Test(.timeLimit(.minutes(2)))
    func unpacedFanOutToTenSubscribersLosesNothing() throws {
        try Self.unpacedFanOut(subscribers: 10)
    }

    @Test(.timeLimit(.minutes(5)))
    func unpacedFanOutToAHundredSubscribersLosesNothing() throws {
        try Self.unpacedFanOut(subscribers: 100)
    }

    /// 1 publisher sends `count` PUTs without waiting; every subscriber gets each, in order.
    static func unpacedFanOut(subscribers: Int) throws {
        let broker = try BrokerProcess(Self.patient, logLevel: "notice")
        defer { broker.stop() }
        let groups = try broker.subscriberGroups(topic: "fan", count: count, readers: subscribers)
        defer { groups.forEach { $0.kill() } }

        let publisher = try broker.unpacedPublisher(topic: "fan", count: count)
        #expect(publisher.waitExit(timeout: 240) == 0, "\(publisher.allLines.suffix(3))")
        groups.forEach { $0.published() }
        for group in groups {
            #expect(group.waitExit(timeout: 60) == 0, "\(group.allLines.suffix(3))")
            #expect(group.allLines.last?.hasPrefix("OK ") == true, "\(group.allLines.suffix(3))")
        }
        print("unpaced fan-out, 1 publisher x \(count) PUTs of 100 B -> \(subscribers) subscribers: publisher " +
              "\(publisher.allLines.last ?? "-"), subscribers \(groups.map { $0.allLines.last ?? "-" })")
    }

    @Test(.timeLimit(.minutes(2)))
    func neverReadingSubscriberIsCutOffAndTheOthersLoseNothing() throws {
        let timeout = 1
        let broker = try BrokerProcess(["--slow-consumer-timeout", "\(timeout)"], logLevel: "info")
        defer { broker.stop() }
        // 10 readers and 1 client that subscribes and then never reads, in one process.
        let groups = try broker.subscriberGroups(topic: "fan", count: Self.count, readers: 10, stuck: 1)
        defer { groups.forEach { $0.kill() } }
        let group = try #require(groups.first)
        let baselineRSS = try #require(broker.residentKiB())
        let sampler = ResidentSampler(broker)

        let publisher = try broker.unpacedPublisher(topic: "fan", count: Self.count)
        // The stuck client reads once the broker has cut it off (it lingers a moment for the
        // ERROR to be read), as a client that was only stalled would.
        let cutOff = broker.waitLog("slow consumer", timeout: 30)
        group.write("read-stuck\n")
        #expect(publisher.waitExit(timeout: 100) == 0, "\(publisher.allLines.suffix(3))")
        group.published()
        #expect(group.waitExit(timeout: 100) == 0, "\(group.allLines.suffix(3))")
        let peakRSS = sampler.stop()
        #expect(group.allLines.last?.hasPrefix("OK ") == true, "\(group.allLines.suffix(3))")

        // The stuck client, reading at last, finds the messages it took in before its queue
        // filled, in order, then one ERROR: the rest of the stream was never queued for it.
        let stuck = try #require(group.allLines.first { $0.hasPrefix("STUCK 0 ") }, "\(group.allLines.suffix(3))")
        #expect(stuck.contains("in_order=yes"), "\(stuck)")
        #expect(stuck.contains(#"error=["", "ERROR", "MESSAGE", "#), "\(stuck)")
        let taken = stuck.split(separator: " ").first { $0.hasPrefix("messages=") }.flatMap { Int($0.dropFirst(9)) }
        #expect((taken ?? Self.count) < Self.count, "\(stuck)")
        #expect(cutOff, "no slow-consumer log line")
        // The publisher was held back while the stuck queue sat at its mark, so it cannot have
        // finished before the timeout.
        let publisherSeconds = publisher.allLines.last.flatMap { Double($0.split(separator: " ").last ?? "") }
        #expect((publisherSeconds ?? 0) >= Double(timeout), "\(publisher.allLines.suffix(1))")
        // A sanity bound: the stream is small (20,000 x 100 B), so the flood tests
        // (BrokerFaultNeverReadingTests) are the ones that prove memory bounded per peer.
        #expect(peakRSS - baselineRSS < 16 << 10, "broker RSS \(baselineRSS) KiB -> peak \(peakRSS) KiB")

        // The broker serves newcomers afterwards.
        let late = try broker.client(["script"])
        defer { late.stop() }
        late.sendFrames(connectFrames(ttl: 60_000, id: "late"))
        #expect(late.waitMessages(1) == [ok("late")])
        print("never-reading subscriber among 10, \(Self.count) unpaced PUTs: \(stuck); readers \(group.allLines.last ?? "-"); " +
              "publisher \(publisher.allLines.last ?? "-"); broker RSS KiB \(baselineRSS) -> peak \(peakRSS)")
    }

    @Test(.timeLimit(.minutes(2)))
    func fiveThousandPutBurstToOneSubscriberTwentyTimes() throws {
        let burst = 5000, runs = 20
        let broker = try BrokerProcess(Self.patient, logLevel: "notice")
        defer { broker.stop() }
        let groups = try broker.subscriberGroups(topic: "burst", count: burst * runs, readers: 1, progress: burst)
        defer { groups.forEach { $0.kill() } }
        let subscriber = try #require(groups.first)

        var completed = 0
        for run in 0..<runs {
            let publisher = try broker.unpacedPublisher(topic: "burst", count: burst, start: run * burst)
            #expect(publisher.waitExit(timeout: 30) == 0, "run \(run): \(publisher.allLines.suffix(3))")
            // Each burst starts once the last one is through, so each finds an empty queue.
            guard subscriber.waitLines("PROGRESS ", count: run + 1, timeout: 30).count == run + 1 else { break }
            completed += 1
        }
        subscriber.published()
        #expect(completed == runs, "run \(completed) of \(runs) did not arrive whole")
        #expect(subscriber.waitExit(timeout: 30) == 0, "\(subscriber.allLines.suffix(3))")
        #expect(subscriber.allLines.last?.hasPrefix("OK ") == true, "\(subscriber.allLines.suffix(3))")
    }
}

extension BrokerProcess {
    /// pyzmq processes of `subscribers` mode (Fixtures/mc0_client.py) with `readers` reading
    /// subscribers of `topic` in all, at most 25 per process (one Python process could not
    /// keep up with 100), and `stuck` never-reading ones in the first. All have printed READY.
    func subscriberGroups(topic: String, count: Int, readers: Int, stuck: Int = 0, progress: Int = 1000) throws -> [ChildProcess] {
        let perProcess = 25
        let groups = try stride(from: 0, to: readers, by: perProcess).enumerated().map { index, first in
            try client(["--timeout-ms", "240000", "subscribers", "--topic", topic, "--count", "\(count)",
                        "--clients", "\(min(perProcess, readers - first))", "--stuck", "\(index == 0 ? stuck : 0)",
                        "--progress", "\(progress)"])
        }
        for group in groups where group.waitLine("READY", timeout: 30) == nil {
            groups.forEach { $0.kill() }
            throw SubscribersNotReady(lines: group.allLines)
        }
        return groups
    }

    /// A pyzmq publisher of `count` 100-byte PUTs numbered from `start`, sent without waiting
    /// for acknowledgements (`publish --unpaced`).
    func unpacedPublisher(topic: String, count: Int, start: Int = 0) throws -> ChildProcess {
        try client(["--timeout-ms", "240000", "publish", "--topic", topic, "--count", "\(count)", "--start", "\(start)",
                    "--size", "100", "--unpaced"])
    }

    struct SubscribersNotReady: Error, CustomStringConvertible {
        let lines: [String]
        var description: String { "a subscriber process did not get its CONNECT and SUB acknowledged: \(lines.suffix(3))" }
    }
}

extension ChildProcess {
    /// Tells a `subscribers` process that the publisher is done: from now on a silence means
    /// that messages were lost.
    func published() { write("published\n") }
}
