import Foundation
import TestSupport
import Testing

/// mc0d --metrics scraped after known traffic from stock libzmq (pyzmq) clients: exact counter
/// values, the format as promtool reads it, and scrapers that misbehave.
@Suite(.serialized) struct BrokerMetricsEndToEndTests {
    @Test func countersHoldExactValuesAfterKnownTraffic() throws {
        let broker = try BrokerProcess(["--metrics", "127.0.0.1:0", "--slow-consumer-timeout", "0.3"])
        defer { broker.stop() }
        let subscriber = try broker.client(["script"])
        defer { subscriber.stop() }
        let publisher = try broker.client(["script"])
        defer { publisher.stop() }
        let silent = try broker.client(["script"])
        defer { silent.stop() }

        subscriber.sendFrames(connectFrames(ttl: 60_000, id: "s1"))
        subscriber.send("", "SUB", "ID", "s2", "", "t")
        #expect(subscriber.waitMessages(2) == [ok("s1"), ok("s2")])
        publisher.sendFrames(connectFrames(ttl: 60_000, id: "p1"))
        publisher.send("", "PUT", "TOPIC", "t", "ID", "p2", "", "one")
        publisher.send("", "PUT", "TOPIC", "t", "ID", "p3", "", "two")
        publisher.send("", "PUT", "TOPIC", "nobody", "ID", "p4", "", "lost")   // the forced drop
        publisher.send("", "NOOP", "ID", "p5")
        publisher.send("", "NOOP", "ID", "p6")
        publisher.send("", "NOOP")                                             // unanswered
        publisher.send("", "NOOP", "ID", "p7")
        #expect(publisher.waitMessages(7) == ["p1", "p2", "p3", "p4", "p5", "p6", "p7"].map(ok))
        #expect(subscriber.waitMessages(4).suffix(2).map(\.last) == ["one", "two"])
        // Silent past 1.05 TTL: the heartbeat eviction.
        silent.sendFrames(connectFrames(ttl: 200, id: "q1"))
        #expect(silent.waitMessages(1) == [ok("q1")])
        #expect(broker.waitLog("evicted, silent for"))
        // Not ZMTP at all: one failed handshake.
        let port = try #require(UInt16(broker.endpoint.split(separator: ":").last!))
        let garbage = try RawPeer(port: port)
        garbage.write(Array(repeating: 0x41, count: 64))
        #expect(garbage.closedByPeer())

        let first = try broker.scrape { $0[#"mc0d_handshake_failures_total{mechanism="curve",reason="bad_greeting"}"#] == 1 }
        let expected: [String: Double] = [
            #"mc0d_build_info{version="0.1.0"}"#: 1,
            "mc0d_clients": 2,
            "mc0d_topics": 1,
            "mc0d_subscriptions": 1,
            #"mc0d_messages_received_total{verb="CONNECT"}"#: 3,
            #"mc0d_messages_received_total{verb="SUB"}"#: 1,
            #"mc0d_messages_received_total{verb="PUT"}"#: 3,
            #"mc0d_messages_received_total{verb="NOOP"}"#: 4,
            #"mc0d_messages_received_total{verb="UNSUB"}"#: 0,
            #"mc0d_messages_received_total{verb="DISCONNECT"}"#: 0,
            #"mc0d_messages_received_total{verb="invalid"}"#: 0,
            "mc0d_deliveries_total": 2,
            #"mc0d_dropped_messages_total{reason="no_subscribers"}"#: 1,
            #"mc0d_dropped_messages_total{reason="peer_gone"}"#: 0,
            #"mc0d_evictions_total{reason="heartbeat"}"#: 1,
            #"mc0d_evictions_total{reason="slow_consumer"}"#: 0,
            #"mc0d_handshake_failures_total{mechanism="curve",reason="bad_greeting"}"#: 1,
            #"mc0d_handshake_failures_total{mechanism="curve",reason="refused"}"#: 0,
            "mc0d_errors_total": 0,
            "mc0d_delivery_latency_seconds_count": 2,
            #"mc0d_delivery_latency_seconds_bucket{le="+Inf"}"#: 2,
            // The library's counters for the broker's socket, through the swift-metrics backend.
            #"zmtp_connections_total{socket="mc0d"}"#: 3,
            #"zmtp_messages_received_total{socket="mc0d"}"#: 11,
            #"zmtp_handshake_failures_total{socket="mc0d",reason="bad_greeting"}"#: 1,
        ]
        for (series, value) in expected {
            #expect(first[series] == value, "\(series)")
        }
        #expect((first["mc0d_messages_sent_total"] ?? 0) >= 12)  // 10 OKs, 2 MESSAGEs, heartbeats
        #expect((first["process_resident_memory_bytes"] ?? 0) > 0)
        #expect((first["process_open_fds"] ?? 0) > 0)
        #expect((first["process_start_time_seconds"] ?? 0) > 1_600_000_000)

        // A subscriber that stops reading while a publisher floods its topic: the slow-consumer
        // eviction. Every PUT is still handled (the publisher is paused, not dropped).
        let stalled = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", "-u", Repository.fixtures.appendingPathComponent("stalled_subscriber.py").path,
            "--endpoint", broker.endpoint, "--server-key=\(try #require(broker.publicKey))", "--topic", "flood",
        ])
        defer { stalled.stop() }
        #expect(stalled.waitLine("READY") != nil, "\(stalled.allLines)")
        let flood = try broker.client(["publish", "--topic", "flood", "--count", "3000", "--size", "16384"])
        #expect(flood.waitExit(timeout: 60) == 0, "\(flood.allLines)")
        let second = try broker.scrape { $0[#"mc0d_evictions_total{reason="slow_consumer"}"#] == 1 }
        #expect(second[#"mc0d_evictions_total{reason="slow_consumer"}"#] == 1)
        #expect(second[#"mc0d_evictions_total{reason="heartbeat"}"#] == 1)
        #expect(second[#"mc0d_messages_received_total{verb="PUT"}"#] == 3003)
        #expect(second[#"mc0d_messages_received_total{verb="CONNECT"}"#] == 5)
        #expect(second[#"mc0d_messages_received_total{verb="SUB"}"#] == 2)
        // The flood's publisher has gone too.
        #expect(second["mc0d_clients"] == 2)
        let delivered = (second["mc0d_deliveries_total"] ?? 0) - 2
        #expect(delivered > 0 && delivered < 3000, "deliveries to the stalled subscriber before it was evicted: \(delivered)")
    }

    @Test func scrapedTextPassesPromtool() throws {
        guard Promtool.path != nil || Promtool.required else { return }  // promtool missing outside CI
        let broker = try BrokerProcess(["--metrics", "127.0.0.1:0"])
        defer { broker.stop() }
        let subscriber = try broker.client(["subscribe", "--topic", "t", "--count", "5"])
        #expect(subscriber.waitLine("READY") != nil, "\(subscriber.allLines)")
        let publisher = try broker.client(["publish", "--topic", "t", "--count", "5"])
        #expect(publisher.waitExit(timeout: 30) == 0)
        #expect(subscriber.waitExit(timeout: 30) == 0)
        let scrape = try broker.scrape { $0["mc0d_deliveries_total"] == 5 }
        let result = try Promtool.run(["check", "metrics"], input: scrape.text)
        #expect(result.status == 0, "\(result.output)\n\(scrape.text)")
    }

    /// A scraper that stalls mid-request and one that sends 1 MiB of headers are closed, and
    /// the broker's clients keep their round trips meanwhile.
    @Test func hostileScrapersAreClosedAndRoundTripsContinue() throws {
        let broker = try BrokerProcess(["--metrics", "127.0.0.1:0"])
        defer { broker.stop() }
        let port = try #require(broker.metricsPort)
        let client = try broker.client(["script"])
        defer { client.stop() }
        client.sendFrames(connectFrames(ttl: 60_000, id: "c"))
        #expect(client.waitMessages(1) == [ok("c")])

        let stalled = try RawPeer(port: port, timeoutSeconds: 20)
        stalled.write(Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8))
        // On its own thread: the write blocks once the broker stops reading.
        let huge = Thread.detachNewThreadResult {
            let peer = try RawPeer(port: port, timeoutSeconds: 20)
            peer.write(Array("GET /metrics HTTP/1.1\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 1 << 20))
            // The broker answers 431 (or resets the connection while the write goes on).
            let answer = String(decoding: peer.read(4096), as: UTF8.self)
            guard answer.isEmpty || answer.hasPrefix("HTTP/1.1 431 ") else { return "answered \(answer)" }
            return peer.closedByPeer() ? "closed" : "left open"
        }
        for n in 0..<20 {
            client.send("", "NOOP", "ID", "\(n)")
            #expect(client.waitMessages(2 + n, timeout: 10).last == ok("\(n)"), "round trip \(n)")
        }
        #expect(huge.wait(timeout: 60) == "closed")
        // The stalled one is closed at the exchange timeout, unanswered.
        #expect(stalled.closedByPeer())
        // The endpoint still answers.
        #expect(try broker.scrape()["mc0d_clients"] == 1)
    }

    /// Scrapers past the cap of 16 at once are closed as soon as accepted; once the stalled
    /// ones time out, scrapes are answered again.
    @Test func scrapersPastTheCapAreClosedAtOnce() throws {
        let broker = try BrokerProcess(["--no-curve", "--metrics", "127.0.0.1:0"])
        defer { broker.stop() }
        let port = try #require(broker.metricsPort)
        var stalled: [RawPeer] = []
        for _ in 0..<16 {
            let peer = try RawPeer(port: port, timeoutSeconds: 20)
            peer.write(Array("GET /metrics HTTP/1.1\r\n".utf8))
            stalled.append(peer)
        }
        // Accepted after the 16 (the backlog is FIFO); closed well before their 5 s timeout.
        let extra = try RawPeer(port: port, timeoutSeconds: 2)
        #expect(extra.closedByPeer())
        for peer in stalled { #expect(peer.closedByPeer()) }
        #expect(try broker.scrape()["mc0d_clients"] == 0)
    }
}
