import Testing

/// Chapter 4's Simple Pirate: lpclient through spqueue to spworkers, ours and libzmq's.
@Suite struct SimplePirateTests {
    @Test func clientQueueAndWorkers() throws {
        try withSandbox { sandbox in
            let queue = try sandbox.example("spqueue", "--count", "6")
            let workers = try (0..<2).map { _ in try sandbox.example("spworker", "--steady", "--work-ms", "0") }
            let client = try sandbox.example("lpclient", "--count", "6", "--timeout-ms", LazyPirateTests.patient)
            client.expectCleanExit()
            #expect(client.lines("I: server replied OK").count == 6)
            #expect(workers.map { $0.lines("I: (").filter { $0.hasSuffix(" normal reply") }.count }.reduce(0, +) == 6)
            queue.expectCleanExit()
        }
    }

    @Test func queueWithLibzmqWorker() throws {
        try withSandbox { sandbox in
            _ = try sandbox.example("spqueue")
            let worker = try sandbox.peer("spworker", "py-worker")
            let client = try sandbox.example("lpclient", "--count", "4", "--timeout-ms", LazyPirateTests.patient)
            client.expectCleanExit()
            #expect(client.lines("I: server replied OK").count == 4)
            #expect(worker.lines("I: (py-worker) normal reply").count == 4)
        }
    }
}
