import Testing

/// Chapter 3's load-balancing broker: every client's request reaches a worker and its reply comes
/// back, over ipc.
@Suite struct LoadBalancingBrokerTests {
    @Test func brokerServesEveryClient() throws {
        try withSandbox { sandbox in
            let program = try sandbox.example("lbbroker")
            program.expectCleanExit()
            #expect(Set(program.lines("Client-")) == Set((0..<10).map { "Client-\($0): OK" }))
            let served = program.lines("Worker-")
            #expect(served.count == 10)
            #expect(served.allSatisfy { $0.wholeMatch(of: /Worker-[0-2]: HELLO/) != nil }, "\(served)")
        }
    }

    @Test func brokerWithLibzmqWorker() throws {
        try withSandbox { sandbox in
            let broker = try sandbox.example("lbbroker", "--workers", "0")
            let worker = try sandbox.peer("lbworker", "10")
            worker.expectCleanExit()
            broker.expectCleanExit()
            #expect(worker.allLines == Array(repeating: "Worker-py: HELLO", count: 10))
            #expect(Set(broker.lines("Client-")) == Set((0..<10).map { "Client-\($0): OK" }))
        }
    }
}
