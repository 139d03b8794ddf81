import Testing
import MC0
import MC0Broker

@Suite struct BrokerCoreFanoutTests {
    @Test func everySubscriberGetsOneCopyIncludingThePublisher() {
        let h = Harness()
        for name in ["pub", "s1", "s2", "other"] { h.connect(name) }
        h.send("pub", "", "SUB", "", "t")
        h.send("s1", "", "SUB", "", "t", "t")   // the same topic twice in one SUB
        h.send("s1", "", "SUB", "", "t")        // and again
        h.send("s2", "", "SUB", "", "t", "u")
        h.send("other", "", "SUB", "", "u")
        let out = h.send("pub", "", "PUT", "TOPIC", "t", "ID", "1", "", "hello")
        let message = f("", "MESSAGE", "TOPIC", "t", "", "hello")
        let deliveries = out.filter { $0.frames == message }
        #expect(deliveries.map(\.client).sorted { $0.lexicographicallyPrecedes($1) } == [b("pub"), b("s1"), b("s2")])
        // The OK comes last, after the command took effect.
        #expect(out.count == 4)
        #expect(out.last == reply("pub", "", "OK", "ID", "1"))
    }

    @Test func orderPerPublisherIsPreserved() {
        let h = Harness()
        h.connect("p1")
        h.connect("p2")
        h.connect("s")
        h.send("s", "", "SUB", "", "t")
        var received: [String] = []
        for n in 0..<200 {
            let publisher = n % 3 == 0 ? "p2" : "p1"
            for o in h.send(publisher, "", "PUT", "TOPIC", "t", "", "\(publisher)-\(n)") where o.client == b("s") {
                received.append(String(decoding: o.frames.last!, as: UTF8.self))
            }
        }
        for publisher in ["p1", "p2"] {
            let mine = received.filter { $0.hasPrefix(publisher + "-") }
            let numbers = mine.compactMap { Int($0.dropFirst(publisher.count + 1)) }
            #expect(numbers == numbers.sorted())
            #expect(numbers.count == (publisher == "p2" ? 67 : 133))
        }
    }

    @Test func topicTableShrinksOnUnsubDisconnectTransportLossAndEviction() {
        let h = Harness()
        for name in ["a", "b", "c", "d"] { h.connect(name, ttl: 1000) }
        h.send("a", "", "SUB", "", "shared", "a-only")
        h.send("b", "", "SUB", "", "shared", "b-only")
        h.send("c", "", "SUB", "", "shared", "c-only")
        h.send("d", "", "SUB", "", "shared", "d-only")
        #expect(h.core.stats.topics == 5)
        h.send("a", "", "UNSUB", "", "shared", "a-only")
        #expect(h.core.stats.topics == 4)
        h.send("b", "", "DISCONNECT")
        #expect(h.core.stats.topics == 3)
        h.core.disconnected(client: b("c"))
        #expect(h.core.stats.topics == 2)
        #expect(h.core.client(b("c")) == nil)
        // Everyone else keeps talking; d goes silent and is evicted.
        for _ in 0..<30 {
            h.now += 100 * ms
            h.send("a", "", "NOOP")
            h.tick()
        }
        #expect(h.core.client(b("d")) == nil)
        #expect(h.core.stats.topics == 0)
        #expect(h.core.stats.clients == 1)
        #expect(h.send("a", "", "PUT", "TOPIC", "shared", "", "x").isEmpty)
    }
}
