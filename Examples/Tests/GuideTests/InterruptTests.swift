import Testing

/// Chapter 2's clean shutdown on Ctrl-C: the interrupt example serves requests until SIGINT,
/// then says so, cleans up and exits with status 0.
@Suite struct InterruptTests {
    @Test func serverEndsCleanlyOnInterrupt() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("interrupt")
            let client = try sandbox.peer("hwclient")
            client.expectCleanExit()
            #expect(client.lines("Received reply ").count == 10)
            #expect(server.waitLines("W: recv", count: 10).count == 10)
            server.interrupt()
            server.expectCleanExit(timeout: 5)
            #expect(server.lines("W: ").suffix(2) == ["W: interrupt received, killing server...", "W: cleaning up"])
        }
    }

    @Test func serverWithCountExits() throws {
        try withSandbox { sandbox in
            let server = try sandbox.example("interrupt", "--count", "10")
            let client = try sandbox.peer("hwclient")
            client.expectCleanExit()
            #expect(client.lines("Received reply ").count == 10)
            server.expectCleanExit()
            #expect(server.lines("W: ") == Array(repeating: "W: recv", count: 10) + ["W: cleaning up"])
        }
    }
}
