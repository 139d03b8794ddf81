import Testing

/// Chapter 4's Majordomo (MDP/0.1): mdclient through mdbroker to mdworkers, and a libzmq client
/// asking the broker's mmi.service.
@Suite struct MajordomoTests {
    /// Two workers of "echo": the broker hands requests to the longest idle, so they take turns.
    @Test func clientGetsRepliesFromTwoWorkers() throws {
        try withSandbox { sandbox in
            let broker = try sandbox.example("mdbroker", "-v")
            let workers = try (0..<2).map { _ in try sandbox.example("mdworker", "-v") }
            #expect(broker.waitLines("I: registering new worker", count: 2).count == 2)
            // A timeout long enough that no request is sent twice, even on a loaded machine.
            let client = try sandbox.example("mdclient", "--count", "10", "--timeout-ms", "20000")
            client.expectCleanExit()
            #expect(client.lines("10 requests/replies processed").count == 1)
            #expect(workers.map { $0.lines("I: sending REPLY to broker").count } == [5, 5])
            for program in workers + [broker] {
                program.interrupt()
                program.expectCleanExit(timeout: 5)
            }
        }
    }

    /// --count: the worker's last reply reaches the client, then it says DISCONNECT and exits.
    @Test func workerWithCountLeavesAfterItsLastReply() throws {
        try withSandbox { sandbox in
            let broker = try sandbox.example("mdbroker")
            let worker = try sandbox.example("mdworker", "-v", "--count", "3")
            let client = try sandbox.example("mdclient", "--count", "3", "--timeout-ms", "20000")
            client.expectCleanExit()
            #expect(client.lines("3 requests/replies processed").count == 1)
            worker.expectCleanExit()
            #expect(worker.lines("I: sending ").suffix(2) == ["I: sending REPLY to broker", "I: sending DISCONNECT to broker"])
            broker.interrupt()
            broker.expectCleanExit(timeout: 5)
        }
    }

    /// The broker dies: the worker misses its heartbeats, reconnects, registers with a
    /// restarted broker and serves again.
    @Test func workerReconnectsToRestartedBroker() throws {
        try withSandbox { sandbox in
            let first = try sandbox.example("mdbroker", "-v", "--heartbeat-ms", "250")
            let worker = try sandbox.example("mdworker", "-v", "--heartbeat-ms", "250", "--reconnect-ms", "250")
            #expect(first.waitLine("I: registering new worker") != nil)
            first.kill()
            #expect(worker.waitLine("W: disconnected from broker - retrying...") != nil)
            let second = try sandbox.example("mdbroker", "-v", "--heartbeat-ms", "250")
            #expect(second.waitLine("I: registering new worker") != nil)
            let client = try sandbox.example("mdclient", "--count", "3")
            client.expectCleanExit()
            #expect(client.lines("3 requests/replies processed").count == 1)
        }
    }

    @Test func libzmqClient() throws {
        try withSandbox { sandbox in
            let broker = try sandbox.example("mdbroker", "-v")
            _ = try sandbox.example("mdworker")
            #expect(broker.waitLine("I: registering new worker") != nil)
            let client = try sandbox.peer("mdclient", "3")
            client.expectCleanExit()
            #expect(client.lines("mmi.service") == ["mmi.service echo: 200", "mmi.service nosuch: 404"])
            #expect(client.lines("reply: ") == (0..<3).map { "reply: Hello \($0)" })
        }
    }
}
