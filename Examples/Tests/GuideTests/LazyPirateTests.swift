import Testing

/// Chapter 4's Lazy Pirate: lpclient and lpserver, with each other and with libzmq, and the
/// client's recovery from a server that dies.
@Suite struct LazyPirateTests {
    /// A client timeout (ms) no reply takes even on a loaded machine, for the tests that count
    /// requests: a request sent again would be counted twice.
    static let patient = "20000"

    @Test func clientAndServer() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("lpserver", "--steady", "--work-ms", "0", "--count", "5")
            let client = try sandbox.example("lpclient", "--count", "5", "--timeout-ms", Self.patient)
            client.expectCleanExit()
            server.expectCleanExit()
            #expect(client.lines("I: server replied OK") == (1...5).map { "I: server replied OK (\($0))" })
            #expect(server.lines("I: normal request").count == 5)
        }
    }

    /// The server is killed in the middle of a request: the client times out, reopens its
    /// socket and resends, and a restarted server answers it and the rest.
    @Test func clientRecoversFromKilledServer() throws {
        try withSandbox { sandbox in
            let first = try sandbox.example("lpserver", "--steady", "--work-ms", "60000")
            let client = try sandbox.example("lpclient", "--count", "3", "--timeout-ms", "1000", "--retries", "10")
            #expect(first.waitLine("I: normal request (1)") != nil)
            first.kill()
            #expect(client.waitLine("W: no response from server, retrying...") != nil)
            let second = try sandbox.example("lpserver", "--steady", "--work-ms", "0")
            client.expectCleanExit()
            #expect(client.lines("I: server replied OK") == (1...3).map { "I: server replied OK (\($0))" })
            #expect(second.lines("I: normal request (1)").count >= 1)
        }
    }

    /// With no server at all, the client sends each request as often as --retries says, then
    /// gives up as the guide's does.
    @Test func clientGivesUpWithoutServer() throws {
        try withSandbox { sandbox in
            let client = try sandbox.example("lpclient", "--timeout-ms", "200", "--retries", "3")
            client.expectCleanExit()
            #expect(client.lines("W: no response from server").count == 2)
            #expect(client.lines("E: server seems to be offline, abandoning").count == 1)
        }
    }

    @Test func serverWithLibzmqClient() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("lpserver", "--steady", "--work-ms", "0", "--count", "5")
            let client = try sandbox.peer("lpclient", "5", Self.patient)
            client.expectCleanExit()
            server.expectCleanExit()
            #expect(client.lines("I: server replied OK").count == 5)
        }
    }
}
