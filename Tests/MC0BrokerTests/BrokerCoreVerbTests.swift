import Testing
import MC0
import MC0Broker

@Suite struct BrokerCoreVerbTests {
    @Test func connectAcksWithIDAndRemembersTTL() {
        let h = Harness()
        let out = h.send("a", "", "CONNECT", "VERSION", "0.3", "TTL", "2500", "ID", "42")
        #expect(out == [reply("a", "", "OK", "ID", "42")])
        #expect(h.core.client(b("a"))?.ttlMilliseconds == 2500)
        #expect(h.core.stats.clients == 1)
    }

    @Test func connectWithoutIDIsSilentAndHeadersInAnyOrder() {
        let h = Harness()
        #expect(h.send("a", "", "CONNECT", "TTL", "1000", "VERSION", "0.2").isEmpty)
        #expect(h.core.client(b("a"))?.ttlMilliseconds == 1000)
    }

    /// As both originals: a second CONNECT changes the TTL and keeps the subscriptions.
    @Test func secondConnectChangesTheTTLAndKeepsSubscriptions() {
        let h = Harness()
        h.connect("a", ttl: 5000)
        h.send("a", "", "SUB", "", "t")
        let out = h.send("a", "", "CONNECT", "VERSION", "0.3", "TTL", "9000", "ID", "2")
        #expect(out == [reply("a", "", "OK", "ID", "2")])
        #expect(h.core.client(b("a"))?.ttlMilliseconds == 9000)
        #expect(h.core.client(b("a"))?.topics == [b("t")])
        #expect(h.core.stats.clients == 1)
    }

    /// mc0torture's CONNECT: an ID and nothing else. No VERSION is 0.3; no TTL means no
    /// heartbeats and no eviction for silence, as in both originals.
    @Test func connectWithOnlyAnIDIsServedWithoutHeartbeatsOrEviction() {
        let h = Harness()
        #expect(h.send("x", "", "CONNECT", "ID", "x") == [reply("x", "", "OK", "ID", "x")])
        #expect(h.core.client(b("x"))?.ttlMilliseconds == 0)
        #expect(h.core.nextDeadline == nil)
        h.now += 1_000_000 * second
        #expect(h.tick().isEmpty)
        #expect(h.send("x", "", "NOOP", "ID", "n") == [reply("x", "", "OK", "ID", "n")])
        #expect(h.core.stats.evictions == 0)
    }

    @Test(arguments: [
        (f("", "CONNECT", "TTL", "1000", "ID", "1"), 1000),
        (f("", "CONNECT", "VERSION", "0.3", "ID", "1"), 0),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "0", "ID", "1"), 0),
        (f("", "CONNECT", "VERSION", "0.1", "TTL", "1000", "ID", "1"), 1000),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", " 30000 ", "ID", "1"), 30000),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "+30000", "ID", "1"), 30000),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "7200000", "ID", "1"), 7_200_000),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "999999999999", "ID", "1"), 999_999_999_999),
    ] as [([[UInt8]], UInt64)])
    func connectAcceptsWhatTheOriginalsAccepted(frames: [[UInt8]], ttl: UInt64) {
        let h = Harness()
        #expect(h.send("a", frames) == [reply("a", "", "OK", "ID", "1")])
        #expect(h.core.client(b("a"))?.ttlMilliseconds == ttl)
    }

    @Test(arguments: [
        (f("", "CONNECT", "VERSION", "9.9", "TTL", "1000", "ID", "1"), "unsupported VERSION '9.9': this broker speaks mc0 0.1, 0.2, 0.3"),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "0x10", "ID", "1"), "TTL '0x10' is not a whole number of milliseconds"),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "30_000", "ID", "1"), "TTL '30_000' is not a whole number of milliseconds"),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "1s", "ID", "1"), "TTL '1s' is not a whole number of milliseconds"),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "-5", "ID", "1"), "TTL '-5' is not a whole number of milliseconds"),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "", "ID", "1"), "TTL '' is not a whole number of milliseconds"),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "99999999999999999999", "ID", "1"), "TTL '99999999999999999999' is not a whole number of milliseconds"),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "99", "ID", "1"), "TTL 99 ms is out of range: use 100 to 999999999999 ms"),
        (f("", "CONNECT", "VERSION", "0.3", "TTL", "1", "ID", "1"), "TTL 1 ms is out of range: use 100 to 999999999999 ms"),
    ])
    func badConnectIsRefused(frames: [[UInt8]], text: String) {
        let h = Harness()
        #expect(h.send("a", frames) == [error("a", text, id: "1")])
        #expect(h.core.client(b("a")) == nil)
        #expect(h.core.nextDeadline == nil)
    }

    @Test func ttlBoundsAreInclusive() {
        let h = Harness()
        h.connect("a", ttl: 100)
        h.connect("b", ttl: 999_999_999_999)
        #expect(h.core.stats.clients == 2)
    }

    @Test func disconnectForgetsClientAndSubscriptions() {
        let h = Harness()
        h.connect("a")
        h.send("a", "", "SUB", "", "t1", "t2")
        #expect(h.core.stats.topics == 2)
        #expect(h.send("a", "", "DISCONNECT", "ID", "9") == [reply("a", "", "OK", "ID", "9")])
        #expect(h.core.client(b("a")) == nil)
        #expect(h.core.stats.topics == 0)
        #expect(h.core.nextDeadline == nil)
        // It may connect again afterwards.
        h.connect("a")
    }

    @Test func disconnectWhenNotConnectedIsAcknowledged() {
        let h = Harness()
        #expect(h.send("a", "", "DISCONNECT", "ID", "1") == [reply("a", "", "OK", "ID", "1")])
        #expect(h.send("a", "", "DISCONNECT").isEmpty)
    }

    @Test func subAndUnsubTakeSeveralTopics() {
        let h = Harness()
        h.connect("a")
        #expect(h.send("a", "", "SUB", "ID", "s", "", "t1", "t2", "t3") == [reply("a", "", "OK", "ID", "s")])
        #expect(h.core.client(b("a"))?.topics == [b("t1"), b("t2"), b("t3")])
        #expect(h.send("a", "", "UNSUB", "ID", "u", "", "t1", "t3", "never") == [reply("a", "", "OK", "ID", "u")])
        #expect(h.core.client(b("a"))?.topics == [b("t2")])
        #expect(h.core.stats.topics == 1)
        #expect(h.send("a", "", "UNSUB", "", "t2").isEmpty)
        #expect(h.core.stats.topics == 0)
    }

    @Test func putDeliversMessageWithHeadersAndBodyThenAcks() {
        let h = Harness()
        h.connect("pub")
        h.connect("sub")
        h.send("sub", "", "SUB", "", "t")
        let out = h.send("pub", "", "PUT", "X-A", "1", "TOPIC", "t", "ID", "7", "X-B", "", "", "body1", "", "body3")
        #expect(out == [
            reply("sub", "", "MESSAGE", "TOPIC", "t", "X-A", "1", "X-B", "", "", "body1", "", "body3"),
            reply("pub", "", "OK", "ID", "7"),
        ])
    }

    @Test func putWithNoBodyStillHasSeparator() {
        let h = Harness()
        h.connect("a")
        h.send("a", "", "SUB", "", "t")
        #expect(h.send("a", "", "PUT", "TOPIC", "t") == [reply("a", "", "MESSAGE", "TOPIC", "t", "")])
    }

    @Test func putToUnwatchedTopicLeavesNothingBehind() {
        let h = Harness()
        h.connect("a")
        #expect(h.send("a", "", "PUT", "TOPIC", "nobody", "ID", "1", "", "x") == [reply("a", "", "OK", "ID", "1")])
        #expect(h.core.stats.topics == 0)
    }

    @Test func noopIsAckedOnlyWithID() {
        let h = Harness()
        h.connect("a")
        #expect(h.send("a", "", "NOOP").isEmpty)
        #expect(h.send("a", "", "NOOP", "ID", "n1") == [reply("a", "", "OK", "ID", "n1")])
    }

    @Test(arguments: ["SUB", "UNSUB", "NOOP"])
    func commandsFromUnconnectedClientSayConnectAgain(verb: String) {
        let h = Harness()
        let text = "not connected (never connected, or dropped after a TTL of silence): send CONNECT again, then retry \(verb)"
        #expect(h.send("x", f("", verb, "ID", "5", "", "t")) == [error("x", text, id: "5")])
        // A NOOP without ID goes unanswered: a client waiting for the broker's silence reconnects.
        #expect(h.send("x", "", verb) == (verb == "NOOP" ? [] : [error("x", text)]))
        #expect(h.core.stats.clients == 0)
        #expect(h.core.stats.topics == 0)
    }

    /// As both originals: a PUT from a client without a session (evicted, or never connected)
    /// still reaches the subscribers, and no session is created for it.
    @Test func clientIDsAreLoggedAsTextWhenPrintableElseHex() {
        let h = Harness()
        h.connect("web1 4242")
        let binary: [UInt8] = [0, 0x80, 0, 0, 1]
        _ = h.core.handle(client: binary, frames: f("", "CONNECT"), now: h.now)
        #expect(h.env.logs.contains { $0.text.hasPrefix("client 'web1 4242': CONNECT") })
        #expect(h.env.logs.contains { $0.text.hasPrefix("client 0x0080000001: CONNECT") })
    }

    @Test func putWithoutASessionIsDelivered() {
        let h = Harness()
        h.connect("sub")
        h.send("sub", "", "SUB", "", "t")
        #expect(h.send("x", "", "PUT", "TOPIC", "t", "ID", "5", "", "body")
                == [reply("sub", "", "MESSAGE", "TOPIC", "t", "", "body"), reply("x", "", "OK", "ID", "5")])
        #expect(h.send("x", "", "PUT", "TOPIC", "t", "", "again") == [reply("sub", "", "MESSAGE", "TOPIC", "t", "", "again")])
        #expect(h.core.client(b("x")) == nil)
        #expect(h.core.stats.clients == 1)
    }

    @Test func unknownVerbGetsOneErrorAndNoOK() {
        let h = Harness()
        h.connect("a")
        let text = "unknown verb 'PING': a client sends CONNECT, DISCONNECT, SUB, UNSUB, PUT or NOOP"
        #expect(h.send("a", "", "PING", "ID", "3") == [error("a", text, id: "3")])
        // The same from a client that never connected: no state is created for it.
        #expect(h.send("b", "", "PING") == [error("b", text)])
        #expect(h.core.stats.clients == 1)
    }

    @Test(arguments: ["MESSAGE", "ERROR", "OK"])
    func brokerVerbsFromClientAreRefused(verb: String) {
        let h = Harness()
        h.connect("a")
        #expect(h.send("a", "", verb, "ID", "1") == [error("a", "\(verb) is sent only by the broker: a client sends CONNECT, DISCONNECT, SUB, UNSUB, PUT or NOOP", id: "1")])
    }

    @Test(arguments: [
        (f("", "PUT", "TOPIC"), "malformed message: header 'TOPIC' has no value: headers are KEY VALUE pairs, then an empty frame before positional frames", nil),
        (f("", "NOOP", "ID", "4", "X-ODD"), "malformed message: header 'X-ODD' has no value: headers are KEY VALUE pairs, then an empty frame before positional frames", "4"),
        (f("NOOP", "ID", "4"), "malformed message: missing delimiter: the first frame must be empty, then the verb", nil),
        ([], "malformed message: empty message: expected an empty delimiter frame, then a verb", nil),
        (f(""), "malformed message: missing verb: expected a verb frame after the empty delimiter frame", nil),
        (f("", "PUT", "ID", "6", "", "body"), "PUT needs a TOPIC header", "6"),
        (f("", "PUT", "TOPIC", "", "", "body"), "PUT: TOPIC must not be empty", nil),
        (f("", "PUT", "TOPIC", "a", "TOPIC", "b"), "malformed message: header 'TOPIC' appears more than once", nil),
        (f("", "SUB", "ID", "2"), "SUB needs at least one topic after the empty frame", "2"),
        (f("", "UNSUB", ""), "UNSUB needs at least one topic after the empty frame", nil),
        (f("", "SUB", "", "ok", ""), "SUB: a topic must not be empty", nil),
    ] as [([[UInt8]], String, String?)])
    func malformedMessagesGetOneClearError(frames: [[UInt8]], text: String, id: String?) {
        let h = Harness()
        h.connect("a")
        h.connect("other")
        h.send("other", "", "SUB", "", "t")
        #expect(h.send("a", frames) == [error("a", text, id: id)])
        #expect(!text.contains("\n"))
        // Nothing was applied and the other client is undisturbed.
        #expect(h.core.client(b("a"))?.topics == [])
        #expect(h.send("a", "", "PUT", "TOPIC", "t", "", "still") == [reply("other", "", "MESSAGE", "TOPIC", "t", "", "still")])
    }

    @Test func messagesFromAConnectedClientCountAsHeardEvenWhenMalformed() {
        let h = Harness()
        h.connect("a", ttl: 1000)
        h.now += 900 * ms
        h.send("a", "", "BOGUS")
        #expect(h.core.client(b("a"))?.lastHeard == h.now)
    }
}
