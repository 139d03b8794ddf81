import Foundation
import TestSupport
import Testing

/// Clients written for the original brokers, against the mc0d process: the original load tool
/// mc0torture (puppetlabs-toy-chest/mc0d src/torture.cpp) CONNECTs with nothing but an ID.
@Suite(.serialized) struct BrokerEndToEndOriginalClientTests {
    @Test(.timeLimit(.minutes(2)))
    func fiftyTortureClientsWithOnlyAnIDAreServed() throws {
        let broker = try BrokerProcess(logLevel: "notice")
        defer { broker.stop() }
        // 50 clients at once, each ['', 'CONNECT', 'ID', x] (no VERSION, no TTL), then 1,000
        // NOOPs, each waiting for its OK, then DISCONNECT: as mc0torture does.
        let torture = try broker.client(["--timeout-ms", "100000", "torture", "--clients", "50", "--noops", "1000", "--original"])
        #expect(torture.waitExit(timeout: 110) == 0, "\(torture.allLines.suffix(3))")
        let result = torture.allLines.first { $0.hasPrefix("OK ") }
        #expect(result != nil, "\(torture.allLines.suffix(3))")
        print("original torture: 50 clients x 1000 acked NOOPs, CONNECT with only an ID: \(result ?? "failed") (OK clients noops seconds)")
        #expect(broker.child.process.isRunning)
    }
}
