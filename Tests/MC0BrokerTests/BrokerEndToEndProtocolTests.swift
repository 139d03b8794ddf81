import Foundation
import TestSupport
import Testing

/// The mc0d process over CURVE with pyzmq DEALER clients: every verb, errors amid traffic,
/// heartbeats, eviction, the message size limit.
@Suite(.serialized) struct BrokerEndToEndProtocolTests {
    @Test func everyVerbWithAcknowledgements() throws {
        let broker = try BrokerProcess()
        defer { broker.stop() }
        let subscriber = try broker.client(["script"])
        defer { subscriber.stop() }
        let publisher = try broker.client(["script"])
        defer { publisher.stop() }

        subscriber.sendFrames(connectFrames(ttl: 60_000, id: "1"))
        subscriber.send("", "SUB", "ID", "2", "", "t1", "t2", "t1")
        #expect(subscriber.waitMessages(2) == [ok("1"), ok("2")])
        publisher.sendFrames(connectFrames(ttl: 60_000, id: "p1"))
        // A 3-frame PUT with its TOPIC value missing: the C++ broker crashed on it.
        publisher.send("", "PUT", "TOPIC")
        publisher.send("", "PUT", "TOPIC", "t1", "X-FOO", "bar", "ID", "p2", "", "body1", "", "body3")
        #expect(publisher.waitMessages(3) == [
            ok("p1"),
            ["", "ERROR", "MESSAGE", "malformed message: header 'TOPIC' has no value: headers are KEY VALUE pairs, then an empty frame before positional frames"],
            ok("p2"),
        ])
        // Subscribed twice to t1: one copy, headers except ID kept, body frames kept.
        #expect(subscriber.waitMessages(3).last == ["", "MESSAGE", "TOPIC", "t1", "X-FOO", "bar", "", "body1", "", "body3"])

        subscriber.send("", "UNSUB", "ID", "3", "", "t1")
        #expect(subscriber.waitMessages(4).last == ok("3"))
        publisher.send("", "PUT", "TOPIC", "t1", "ID", "p3", "", "unwatched now")
        publisher.send("", "PUT", "TOPIC", "t2", "ID", "p4", "", "still watched")
        #expect(publisher.waitMessages(5).suffix(2) == [ok("p3"), ok("p4")])
        #expect(subscriber.waitMessages(5).last == ["", "MESSAGE", "TOPIC", "t2", "", "still watched"])

        subscriber.send("", "DISCONNECT", "ID", "4")
        subscriber.send("", "SUB", "ID", "5", "", "t2")
        let after = subscriber.waitMessages(7)
        #expect(after.suffix(2) == [ok("4"), ["", "ERROR", "MESSAGE", "\(notConnectedText) SUB", "ID", "5"]])
        // Nothing else arrived: no MESSAGE for t1 after UNSUB, no OK after an ERROR.
        #expect(after.count == 7)
        #expect(broker.child.process.isRunning)
    }

    @Test func malformedMessagesAmidTrafficGetOneErrorEach() throws {
        let broker = try BrokerProcess()
        defer { broker.stop() }
        let subscriber = try broker.client(["subscribe", "--topic", "news", "--count", "200"])
        #expect(subscriber.waitLine("READY") != nil, "\(subscriber.allLines)")
        let publisher = try broker.client(["script"])
        defer { publisher.stop() }
        publisher.sendFrames(connectFrames(ttl: 60_000, id: "c"))
        func put(_ n: Int) { publisher.send("", "PUT", "TOPIC", "news", "X-SEQ", "\(n)", "", "\(n)") }
        for n in 0..<100 { put(n) }
        publisher.send("x", "NOOP")                                   // no delimiter frame
        publisher.send("", "PUT", "TOPIC")                            // odd header list
        publisher.send("", "PING", "ID", "m1")                        // unknown verb
        publisher.send("", "PUT", "ID", "m2", "", "no topic")         // PUT without TOPIC
        publisher.sendFrames(connectFrames(ttl: 60_000, id: "m3"))    // second CONNECT: accepted, as the originals did
        publisher.send("", "OK", "ID", "m4")                          // a broker-only verb
        for n in 100..<200 { put(n) }
        publisher.send("", "NOOP", "ID", "end")

        let replies = publisher.waitMessages(8)
        #expect(replies.first == ok("c"))
        #expect(replies.last == ok("end"))
        let errors = replies.dropFirst().dropLast()
        #expect(errors.map { $0.count > 1 ? $0[1] : "" } == ["ERROR", "ERROR", "ERROR", "ERROR", "OK", "ERROR"])
        #expect(errors.map { $0.count > 3 ? $0[3] : "" } == [
            "malformed message: missing delimiter: the first frame must be empty, then the verb",
            "malformed message: header 'TOPIC' has no value: headers are KEY VALUE pairs, then an empty frame before positional frames",
            "unknown verb 'PING': a client sends CONNECT, DISCONNECT, SUB, UNSUB, PUT or NOOP",
            "PUT needs a TOPIC header",
            "m3",
            "OK is sent only by the broker: a client sends CONNECT, DISCONNECT, SUB, UNSUB, PUT or NOOP",
        ])
        #expect(errors.dropFirst(2).map { Array($0.suffix(2)) } == [["ID", "m1"], ["ID", "m2"], ["ID", "m3"], ["ID", "m4"]])
        // Every well-formed PUT reached the subscriber, in order (the peer checks the sequence).
        #expect(subscriber.waitExit(timeout: 30) == 0, "\(subscriber.allLines)")
        #expect(subscriber.allLines.last?.hasPrefix("OK 200") == true)
    }

    @Test func heartbeatNoopsArriveWithinPointNineFiveTTL() throws {
        let broker = try BrokerProcess()
        defer { broker.stop() }
        // The client heartbeats at 0.9 TTL on its own, as an MCollective node does.
        let client = try broker.client(["script", "--auto-noop", "900"])
        defer { client.stop() }
        client.sendFrames(connectFrames(ttl: 1000, id: "1"))
        let messages = client.waitMessages(1)
        #expect(messages == [ok("1")])
        _ = client.waitLines("RECV ", count: 6, timeout: 15)
        let received = client.received
        #expect(received.count >= 6, "\(client.allLines)")
        #expect(received.dropFirst().allSatisfy { $0.frames == ["", "NOOP"] }, "\(received)")
        let gaps = zip(received.dropFirst(), received).map { $0.ms - $1.ms }
        // Due 0.5 to 0.75 TTL after the last message: never the 0.95 TTL of the original.
        #expect(gaps.allSatisfy { $0 < 950 }, "gaps between broker messages: \(gaps) ms")
        #expect(gaps.allSatisfy { $0 >= 450 }, "gaps between broker messages: \(gaps) ms")
        // Still connected: a client that heartbeats is never evicted.
        client.send("", "NOOP", "ID", "2")
        #expect(client.waitMessages(2).last == ok("2"))
    }

    @Test func silentClientIsEvictedAndToldToConnectAgain() throws {
        let broker = try BrokerProcess()
        defer { broker.stop() }
        let client = try broker.client(["script"])
        defer { client.stop() }
        client.sendFrames(connectFrames(ttl: 200, id: "1"))
        client.send("", "SUB", "ID", "2", "", "topic")
        #expect(client.waitMessages(2) == [ok("1"), ok("2")])
        // Silent for 5 TTL: evicted after 1.05 TTL.
        client.silence(milliseconds: 1000)
        client.send("", "NOOP", "ID", "3")
        #expect(client.waitMessages(3).last == ["", "ERROR", "MESSAGE", "\(notConnectedText) NOOP", "ID", "3"])
        #expect(broker.waitLog("evicted, silent for"))
        // It may come back.
        client.sendFrames(connectFrames(ttl: 60_000, id: "4"))
        #expect(client.waitMessages(4).last == ok("4"))
    }

    @Test func oversizePutIsRefusedWithoutHurtingOthers() throws {
        let broker = try BrokerProcess()
        defer { broker.stop() }
        let subscriber = try broker.client(["subscribe", "--topic", "t", "--count", "2"])
        #expect(subscriber.waitLine("READY") != nil, "\(subscriber.allLines)")
        let big = try broker.client(["script"])
        defer { big.stop() }
        big.sendFrames(connectFrames(ttl: 60_000, id: "1"))
        #expect(big.waitMessages(1) == [ok("1")])
        // Just over the 16 MiB limit: refused with an ERROR, the connection stays.
        big.sendFrames(["", "PUT", "TOPIC", "t", "ID", "2", ""], filler: 16 << 20)
        #expect(big.waitMessages(2, timeout: 30).last?.prefix(4) == ["", "ERROR", "MESSAGE", "message of \(12 + (16 << 20)) bytes exceeds the broker's limit of 16777216 bytes"])
        // Far over it: the transport closes the connection before buffering the message.
        big.sendFrames(["", "PUT", "TOPIC", "t", ""], filler: 32 << 20)
        #expect(big.waitLine("DISCONNECTED", timeout: 30) != nil, "\(big.allLines)")

        let publisher = try broker.client(["publish", "--topic", "t", "--count", "2"])
        #expect(publisher.waitExit(timeout: 30) == 0, "\(publisher.allLines)")
        #expect(subscriber.waitExit(timeout: 30) == 0, "\(subscriber.allLines)")
        #expect(broker.child.process.isRunning)
    }
}
