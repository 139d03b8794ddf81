import Testing

/// Chapter 1's request-reply: hwclient and hwserver, with each other and with libzmq.
@Suite struct HelloWorldTests {
    @Test func clientAndServer() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("hwserver", "--count", "10", "--work-ms", "0")
            let client = try sandbox.example("hwclient")
            client.expectCleanExit()
            server.expectCleanExit()
            #expect(client.lines("Received World ") == (0..<10).map { "Received World \($0)" })
            #expect(server.lines("Received Hello").count == 10)
        }
    }

    @Test func clientWithLibzmqServer() throws {
        try withSandbox { sandbox in
            let server = try sandbox.peer("hwserver", "10")
            let client = try sandbox.example("hwclient")
            client.expectCleanExit()
            server.expectCleanExit()
            #expect(client.lines("Received World ").count == 10)
            #expect(server.lines("Received request: Hello").count == 10)
        }
    }

    @Test func serverWithLibzmqClient() throws {
        try expectServerAnswersLibzmqClient("hwserver")
    }

    /// Ctrl-C while the server works on a request (serverWithLibzmqClient interrupts it
    /// waiting for one): the pretended work ends early.
    @Test func serverEndsCleanlyOnInterrupt() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("hwserver")
            let client = try sandbox.peer("hwclient")
            server.waitLine("Received Hello")
            server.interrupt()
            server.expectCleanExit(timeout: 5)
            #expect(server.lines("W: interrupt received").count == 1)
            client.kill()
        }
    }
}
