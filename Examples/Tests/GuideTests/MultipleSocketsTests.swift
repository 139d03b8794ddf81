import Testing

/// Chapter 2's reading from two sockets, by polling each (msreader) and with a poller
/// (mspoller), fed by the ventilator's tasks and the weather server's updates, ours and libzmq's.
@Suite struct MultipleSocketsTests {
    @Test(arguments: ["msreader", "mspoller"])
    func readerGetsTasksAndUpdates(reader: String) throws {
        try withSandbox { sandbox in
            try sandbox.example("wuserver")
            try expectTasksAndUpdates(reader, in: sandbox)
        }
    }

    @Test func pollerFedByLibzmqWeatherServer() throws {
        try withSandbox { sandbox in
            try sandbox.peer("wuserver")
            try expectTasksAndUpdates("mspoller", in: sandbox)
        }
    }

    /// --count: the reader exits after the ventilator's 100 tasks.
    @Test(arguments: ["msreader", "mspoller"])
    func readerWithCountExits(reader: String) throws {
        try withSandbox { sandbox in
            let program = try sandbox.example(reader, "--count", "100")
            try sandbox.example("taskvent", "--workers", "1").expectCleanExit()
            program.expectCleanExit()
            #expect(program.lines("task: ").count == 100)
        }
    }

    /// Starts `reader` and the ventilator; expects all 100 tasks, weather updates only of the
    /// zipcodes subscribed to, and a clean exit on Ctrl-C.
    private func expectTasksAndUpdates(_ reader: String, in sandbox: Sandbox) throws {
        let program = try sandbox.example(reader, "--filter", "1")
        try sandbox.example("taskvent", "--workers", "1").expectCleanExit()
        #expect(program.waitLines("task: ", count: 100).count == 100, "\(program.output)")
        let updates = program.waitLines("weather: ", count: 10)
        #expect(updates.count >= 10 && updates.allSatisfy { $0.hasPrefix("weather: 1") }, "\(updates)")
        program.interrupt()
        program.expectCleanExit(timeout: 10)
    }
}
