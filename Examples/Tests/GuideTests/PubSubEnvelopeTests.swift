import Testing

/// Chapter 2's pub-sub envelopes: a subscriber to "B" gets only the two-part messages whose
/// envelope is "B".
@Suite struct PubSubEnvelopeTests {
    @Test func subscriberGetsOnlyItsEnvelope() throws {
        try withSandbox { sandbox in
            let publisher = try sandbox.example("psenvpub", "--interval-ms", "20")
            let subscriber = try sandbox.example("psenvsub", "--count", "5")
            subscriber.expectCleanExit()
            #expect(subscriber.allLines == Array(repeating: "[B] Subscribers to B see this", count: 5))
            publisher.interrupt()
            publisher.expectCleanExit(timeout: 5)
            #expect(publisher.lines("W: interrupt received").count == 1)
        }
    }

    @Test func publisherWithLibzmqSubscriber() throws {
        try withSandbox { sandbox in
            let publisher = try sandbox.example("psenvpub", "--interval-ms", "20")
            let subscriber = try sandbox.peer("psenvsub", "3")
            subscriber.expectCleanExit()
            #expect(subscriber.allLines == Array(repeating: "[B] Subscribers to B see this", count: 3))
            publisher.interrupt()
            publisher.expectCleanExit(timeout: 5)
        }
    }

    @Test func publisherStopsAfterCount() throws {
        try withSandbox { sandbox in
            let publisher = try sandbox.example("psenvpub", "--count", "2", "--interval-ms", "0")
            publisher.expectCleanExit()
        }
    }
}
