import Foundation
import TestSupport
import Testing

/// The mc0d process under load with pyzmq clients: the original broker's torture test, and a
/// subscriber killed mid-stream.
@Suite(.serialized) struct BrokerEndToEndLoadTests {
    @Test func fiftyClientsTimesAThousandAckedNoops() throws {
        let broker = try BrokerProcess(logLevel: "notice")
        defer { broker.stop() }
        let torture = try broker.client(["--timeout-ms", "100000", "torture", "--clients", "50", "--noops", "1000"])
        #expect(torture.waitExit(timeout: 110) == 0, "\(torture.allLines)")
        let result = torture.allLines.first { $0.hasPrefix("OK ") }
        #expect(result != nil, "\(torture.allLines)")
        print("torture: 50 clients x 1000 acked NOOPs over CURVE: \(result ?? "failed") (OK clients noops seconds)")
        #expect(broker.child.process.isRunning)
    }

    @Test func subscriberKilledMidStreamLeavesOthersWhole() throws {
        let broker = try BrokerProcess()
        defer { broker.stop() }
        let survivor = try broker.client(["subscribe", "--topic", "s", "--count", "3000"])
        let victim = try broker.client(["subscribe", "--topic", "s", "--count", "3000"])
        defer { victim.kill() }
        #expect(survivor.waitLine("READY") != nil, "\(survivor.allLines)")
        #expect(victim.waitLine("READY") != nil, "\(victim.allLines)")

        let first = try broker.client(["publish", "--topic", "s", "--count", "1000"])
        #expect(first.waitExit(timeout: 30) == 0, "\(first.allLines)")
        #expect(victim.waitLine("PROGRESS 1000") != nil, "\(victim.allLines)")
        // The second half is paced (about 0.5 s) so that the kill lands while it flows.
        let second = try broker.client(["publish", "--topic", "s", "--start", "1000", "--count", "2000", "--rate", "4000"])
        #expect(survivor.waitLine("PROGRESS 1200") != nil, "\(survivor.allLines)")
        victim.kill()
        #expect(second.waitExit(timeout: 30) == 0, "\(second.allLines)")
        #expect(survivor.waitExit(timeout: 30) == 0, "\(survivor.allLines)")
        #expect(survivor.allLines.last?.hasPrefix("OK 3000") == true)

        // The broker still serves newcomers.
        let late = try broker.client(["script"])
        defer { late.stop() }
        late.sendFrames(connectFrames(ttl: 60_000, id: "1"))
        #expect(late.waitMessages(1) == [ok("1")])
    }
}
