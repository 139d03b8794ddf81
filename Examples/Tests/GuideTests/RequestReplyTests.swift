import Testing

/// Chapter 2's request-reply broker, by hand (rrbroker) and by the built-in proxy (msgqueue),
/// between rrclient and rrworker, with each other and with libzmq peers.
@Suite struct RequestReplyTests {
    @Test func brokerBetweenClientAndWorkers() throws {
        try withSandbox { sandbox in
            try sandbox.example("rrbroker")
            let workers = try (0..<2).map { _ in try sandbox.example("rrworker", "--work-ms", "0") }
            let client = try sandbox.example("rrclient")
            client.expectCleanExit()
            #expect(client.lines("Received reply ") == (0..<10).map { "Received reply \($0) [World]" })
            #expect(workers.map { $0.lines("Received request: [Hello]").count }.reduce(0, +) == 10)
        }
    }

    @Test func brokerWithLibzmqWorker() throws {
        try withSandbox { sandbox in
            try sandbox.example("rrbroker")
            let worker = try sandbox.peer("rrworker")
            let client = try sandbox.example("rrclient")
            client.expectCleanExit()
            #expect(client.lines("Received reply ").count == 10)
            #expect(worker.lines("Received request: [Hello]").count == 10)
        }
    }

    /// msgqueue, the proxy, also ends cleanly on Ctrl-C.
    @Test func proxyBetweenClientAndWorker() throws {
        try withSandbox { sandbox in
            let proxy = try sandbox.example("msgqueue")
            let worker = try sandbox.example("rrworker", "--work-ms", "0", "--count", "10")
            let client = try sandbox.example("rrclient")
            client.expectCleanExit()
            worker.expectCleanExit()
            #expect(client.lines("Received reply ") == (0..<10).map { "Received reply \($0) [World]" })
            proxy.interrupt()
            proxy.expectCleanExit(timeout: 10)
        }
    }

    /// --count: each broker exits once it has passed on the client's ten replies.
    @Test(arguments: ["rrbroker", "msgqueue"])
    func brokerWithCountExitsAfterTheReplies(broker: String) throws {
        try withSandbox { sandbox in
            let proxy = try sandbox.example(broker, "--count", "10")
            try sandbox.example("rrworker", "--work-ms", "0")
            let client = try sandbox.example("rrclient")
            client.expectCleanExit()
            #expect(client.lines("Received reply ").count == 10)
            proxy.expectCleanExit()
        }
    }

    @Test func proxyWithLibzmqClient() throws {
        try withSandbox { sandbox in
            try sandbox.example("msgqueue")
            try sandbox.example("rrworker", "--work-ms", "0")
            let client = try sandbox.peer("rrclient")
            client.expectCleanExit()
            #expect(client.lines("Received reply ") == (0..<10).map { "Received reply \($0) [World]" })
        }
    }
}
