import Testing
import MC0
import MC0Broker

@Suite struct BrokerCoreLimitTests {
    @Test func topicsPerClientAreBoundedAndARefusedSubAppliesNothing() {
        let h = Harness(config: BrokerConfig(maxTopicsPerClient: 3))
        h.connect("a")
        #expect(h.send("a", "", "SUB", "", "t1", "t2").isEmpty)
        // Re-subscribing to a held topic does not count against the limit.
        #expect(h.send("a", "", "SUB", "", "t1", "t2", "t3").isEmpty)
        #expect(h.send("a", "", "SUB", "ID", "x", "", "t1", "t4") == [error("a", "SUB would exceed the limit of 3 topics per client: UNSUB some first", id: "x")])
        #expect(h.core.client(b("a"))?.topics == [b("t1"), b("t2"), b("t3")])
        #expect(h.core.stats.topics == 3)
    }

    @Test func topicLengthIsBounded() {
        let h = Harness(config: BrokerConfig(maxTopicLength: 4))
        h.connect("a")
        #expect(h.send("a", "", "SUB", "", "okay", "toolong") == [error("a", "SUB: topic of 7 bytes exceeds the limit of 4 bytes")])
        #expect(h.core.stats.topics == 0)
        #expect(h.send("a", "", "PUT", "TOPIC", "toolong", "", "x") == [error("a", "PUT: topic of 7 bytes exceeds the limit of 4 bytes")])
        #expect(h.send("a", "", "SUB", "", "okay").isEmpty)
    }

    @Test func oversizedMessageIsRefusedBeforeParsing() {
        let h = Harness(config: BrokerConfig(maxMessageBytes: 100))
        h.connect("a")
        h.send("a", "", "SUB", "", "t")
        let big = [[], b("PUT"), b("TOPIC"), b("t"), b("ID"), b("1"), [], [UInt8](repeating: 0, count: 100)]
        #expect(h.send("a", big) == [error("a", "message of 112 bytes exceeds the broker's limit of 100 bytes", id: "1")])
    }

    @Test func frameCountIsBounded() {
        let h = Harness(config: BrokerConfig(maxFramesPerMessage: 8))
        h.connect("a")
        #expect(h.send("a", "", "SUB", "", "1", "2", "3", "4", "5", "6") == [error("a", "message of 9 frames exceeds the broker's limit of 8 frames")])
        #expect(h.send("a", "", "SUB", "", "1", "2", "3", "4", "5").isEmpty)
    }

    @Test func clientCountIsBounded() {
        let h = Harness(config: BrokerConfig(maxClients: 2))
        h.connect("a")
        h.connect("b")
        #expect(h.send("c", "", "CONNECT", "VERSION", "0.3", "TTL", "1000") == [error("c", "broker is full (2 clients): try again later")])
        h.send("a", "", "DISCONNECT")
        h.connect("c")
    }

    @Test func acceptedVersionsAreConfigurable() {
        let h = Harness(config: BrokerConfig(acceptedVersions: ["0.3"]))
        #expect(h.send("a", "", "CONNECT", "VERSION", "0.2", "TTL", "1000") == [error("a", "unsupported VERSION '0.2': this broker speaks mc0 0.3")])
    }
}
