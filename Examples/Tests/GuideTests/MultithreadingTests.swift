import Testing

/// Chapter 2's multithreading: mtserver's worker threads behind a proxy, and mtrelay's threads
/// signalling over inproc.
@Suite struct MultithreadingTests {
    @Test func serverWithHelloWorldClient() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("mtserver", "--work-ms", "0")
            let client = try sandbox.example("hwclient")
            client.expectCleanExit()
            #expect(client.lines("Received World ") == (0..<10).map { "Received World \($0)" })
            #expect(server.waitLines("Received request: [Hello]", count: 10).count == 10)
            server.interrupt()
            server.expectCleanExit(timeout: 5)
        }
    }

    @Test func serverWithLibzmqClient() throws {
        try expectServerAnswersLibzmqClient("mtserver")
    }

    /// --count: the server exits once its last reply has left, and the client has them all.
    @Test func serverWithCountExitsAfterItsLastReply() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("mtserver", "--work-ms", "0", "--count", "10")
            let client = try sandbox.example("hwclient")
            client.expectCleanExit()
            #expect(client.lines("Received World ").count == 10)
            server.expectCleanExit()
        }
    }

    /// Ctrl-C while a worker thread is busy with a request and the others wait for one.
    @Test func serverEndsCleanlyOnInterruptMidRequest() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("mtserver", "--work-ms", "60000")
            let client = try sandbox.peer("hwclient")
            #expect(server.waitLine("Received request: [Hello]") != nil)
            server.interrupt()
            server.expectCleanExit(timeout: 5)
            #expect(server.lines("W: interrupt received").count == 1)
            client.kill()
        }
    }

    @Test func relay() throws {
        try withSandbox { sandbox in
            let relay = try sandbox.example("mtrelay")
            relay.expectCleanExit()
            #expect(relay.allLines == ["Step 1 ready, signaling step 2", "Step 2 ready, signaling step 3", "Test successful!"])
        }
    }
}
