import Testing

/// Chapter 2's node coordination: syncpub waits for its subscribers' REQ before it publishes, so
/// each syncsub gets every update.
@Suite struct NodeCoordinationTests {
    @Test func publisherAndTenSubscribers() throws {
        try withSandbox { sandbox in
            let publisher = try sandbox.example("syncpub", "--count", "10000")
            let subscribers = try (0..<10).map { _ in try sandbox.example("syncsub") }
            for subscriber in subscribers {
                subscriber.expectCleanExit()
                #expect(subscriber.allLines == ["Received 10000 updates"])
            }
            publisher.expectCleanExit()
            #expect(publisher.allLines == ["Waiting for subscribers", "Broadcasting messages"])
        }
    }

    @Test func publisherWithLibzmqSubscriber() throws {
        try withSandbox { sandbox in
            let publisher = try sandbox.example("syncpub", "--count", "10000", "--subscribers", "2")
            let ours = try sandbox.example("syncsub")
            let theirs = try sandbox.peer("syncsub")
            ours.expectCleanExit()
            theirs.expectCleanExit()
            publisher.expectCleanExit()
            #expect(ours.allLines == ["Received 10000 updates"])
            #expect(theirs.allLines == ["Received 10000 updates"])
        }
    }
}
