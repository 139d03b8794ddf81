import Foundation
import TestSupport
import Testing

/// mc0d --cluster against a real nats-server: the mc0d_cluster_* metrics after known traffic,
/// in a format promtool reads.
@Suite(.serialized, .enabled(if: NATSServer.isInstalled, "needs nats-server (scripts/setup --test)"))
struct BrokerClusterMetricsTests {
    @Test func clusterTrafficIsCountedAndScrapesCleanly() throws {
        let nats = try NATSServer()
        let broker = try BrokerProcess(["--metrics", "127.0.0.1:0", "--cluster", nats.url])
        defer { broker.stop() }
        #expect(try broker.scrape { $0["mc0d_cluster_connected"] == 1 }["mc0d_cluster_connected"] == 1)
        let subscriber = try broker.client(["subscribe", "--topic", "t", "--count", "5"])
        #expect(subscriber.waitLine("READY") != nil, "\(subscriber.allLines)")
        let publisher = try broker.client(["publish", "--topic", "t", "--count", "5"])
        #expect(publisher.waitExit(timeout: 30) == 0)
        #expect(subscriber.waitExit(timeout: 30) == 0)
        let scrape = try broker.scrape { $0["mc0d_cluster_published_total"] == 5 }
        #expect(scrape["mc0d_cluster_received_total"] == 0)   // no echo of our own
        #expect(scrape["mc0d_dropped_messages_total{reason=\"no_subscribers\"}"] == 0)
        for reason in ["buffer_full", "too_large", "disconnected", "malformed", "own", "no_subscribers"] {
            #expect(scrape["mc0d_cluster_dropped_messages_total{reason=\"\(reason)\"}"] == 0, "\(reason)")
        }
        // The subscriber left: its topic's NATS subscription went with it.
        #expect(try broker.scrape { $0["mc0d_cluster_subscriptions"] == 0 }["mc0d_cluster_subscriptions"] == 0)
        #expect(broker.waitLog("NATS connected to \(nats.url)"))
        guard Promtool.path != nil || Promtool.required else { return }  // promtool missing outside CI
        let result = try Promtool.run(["check", "metrics"], input: scrape.text)
        #expect(result.status == 0, "\(result.output)\n\(scrape.text)")
    }
}
