import Testing

/// Chapter 3's ROUTER examples: the routing ids identity shows, and rtreq's and rtdealer's
/// brokers dealing work until they fire their workers.
@Suite struct RouterTests {
    @Test func identityShowsGeneratedAndChosenIDs() throws {
        try withSandbox { sandbox in
            let program = try sandbox.example("identity")
            program.expectCleanExit()
            let lines = program.allLines
            let rule = String(repeating: "-", count: 40)
            try #require(lines.count == 8, "\(lines)")
            #expect(lines[0] == rule && lines[4] == rule)
            // A generated id: 5 bytes, a zero then a counter, not printable so shown in hex.
            #expect(lines[1].wholeMatch(of: /\[005\] 00[0-9A-F]{8}/) != nil, "\(lines[1])")
            #expect(lines[2] == "[000] " && lines[6] == "[000] ")
            #expect(lines[3] == "[040] The ROUTER made up this REQ's routing id")
            #expect(lines[5] == "[005] PEER2")
            #expect(lines[7] == "[041] The ROUTER uses the identity this REQ set")
        }
    }

    @Test(arguments: ["rtreq", "rtdealer"])
    func brokerFiresEveryWorker(example: String) throws {
        try withSandbox { sandbox in
            let program = try sandbox.example(example)
            program.expectCleanExit()
            let completed = program.lines("Completed: ")
            #expect(completed.count == 10, "\(program.allLines)")
            #expect(completed.allSatisfy { $0.wholeMatch(of: /Completed: [1-9][0-9]* tasks/) != nil }, "\(completed)")
        }
    }

    @Test(arguments: [("rtreq", "req"), ("rtdealer", "dealer")])
    func brokerWithLibzmqWorker(example: String, kind: String) throws {
        try withSandbox { sandbox in
            let broker = try sandbox.example(example, "--workers", "0")
            let worker = try sandbox.peer("rtworker", kind)
            worker.expectCleanExit()
            broker.expectCleanExit()
            #expect(worker.allLines.count == 1)
            #expect(worker.lines("Completed: ").allSatisfy { $0.wholeMatch(of: /Completed: [1-9][0-9]* tasks/) != nil })
        }
    }
}
