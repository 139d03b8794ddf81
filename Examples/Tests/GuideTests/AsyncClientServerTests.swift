import Testing

/// Chapter 3's asynchronous client/server: DEALER clients get their requests echoed by the
/// server's workers, zero to four times each.
@Suite struct AsyncClientServerTests {
    @Test func clientsGetReplies() throws {
        try withSandbox { sandbox in
            let program = try sandbox.example("asyncsrv")
            program.expectCleanExit()
            let replies = program.allLines.filter { $0.contains(" received: ") }
            // Fifteen requests answered zero to four times each: none at all is a 1 in 5^15 chance.
            #expect(!replies.isEmpty)
            #expect(replies.allSatisfy { $0.wholeMatch(of: /[0-9A-F]{4}-[0-9A-F]{4} received: request #[1-6]/) != nil }, "\(replies)")
        }
    }

    /// The server runs until the pyzmq client has its reply, then Ctrl-C ends it.
    @Test func serverWithLibzmqClient() throws {
        try withSandbox { sandbox in
            let program = try sandbox.example("asyncsrv", "--seconds", "600")
            let client = try sandbox.peer("asyncclient", "10")
            client.expectCleanExit()
            #expect(client.lines("Received: request #").count == 1, "\(client.allLines)")
            program.interrupt()
            program.expectCleanExit(timeout: 5)
            #expect(program.lines("W: interrupt received").count == 1)
        }
    }
}
