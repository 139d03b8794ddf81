import ChildProcesses
import Testing

/// Chapter 1's pipeline (taskvent, taskwork, tasksink) and chapter 2's with a kill signal
/// (taskwork2, tasksink2), with each other and with libzmq workers. The ventilator is started
/// last with `--workers N`, which waits until N workers are connected instead of for Enter.
@Suite struct PipelineTests {
    /// The ventilator deals the tasks round robin, so each of two workers ends after 50
    /// (--count 50).
    @Test func ventilatorWorkersAndSink() throws {
        try withSandbox { sandbox in
            let sink = try sandbox.example("tasksink")
            let workers = try (0..<2).map { _ in try sandbox.example("taskwork", "--count", "50") }
            let ventilator = try sandbox.example("taskvent", "--workers", "2")
            ventilator.expectCleanExit()
            #expect(ventilator.waitLine("Total expected cost: ", timeout: 0) != nil)
            sink.expectCleanExit()
            #expect(sink.waitLine("Total elapsed time: ", timeout: 0) != nil, "\(sink.output)")
            #expect(sink.allLines.first?.filter { $0 == ":" }.count == 10, "\(sink.output)")
            for worker in workers { worker.expectCleanExit() }
            #expect(workers.map { tasksDone(by: $0) } == [50, 50])
        }
    }

    @Test func withLibzmqWorker() throws {
        try withSandbox { sandbox in
            let sink = try sandbox.example("tasksink")
            let ours = try sandbox.example("taskwork")
            let theirs = try sandbox.peer("taskwork")
            try sandbox.example("taskvent", "--workers", "2").expectCleanExit()
            sink.expectCleanExit()
            #expect(sink.waitLine("Total elapsed time: ", timeout: 0) != nil, "\(sink.output)")
            ours.interrupt()
            ours.expectCleanExit()
            let done = [tasksDone(by: ours), theirs.lines("task ").count]
            #expect(done.allSatisfy { $0 > 0 } && done.reduce(0, +) == 100, "tasks per worker: \(done)")
        }
    }

    /// The sink's KILL ends the workers, ours and libzmq's, once the batch is done.
    @Test func sinkKillsWorkers() throws {
        try withSandbox { sandbox in
            let sink = try sandbox.example("tasksink2")
            let ours = try sandbox.example("taskwork2")
            let theirs = try sandbox.peer("taskwork", "--kill")
            try sandbox.example("taskvent", "--workers", "2").expectCleanExit()
            sink.expectCleanExit()
            #expect(sink.waitLine("Total elapsed time: ", timeout: 0) != nil, "\(sink.output)")
            ours.expectCleanExit()
            #expect(ours.waitLine("Killed by the sink", timeout: 0) != nil, "\(ours.output)")
            theirs.expectCleanExit()
            #expect(theirs.waitLine("killed by KILL", timeout: 0) != nil, "\(theirs.output)")
            let done = [tasksDone(by: ours), theirs.lines("task ").count]
            #expect(done.allSatisfy { $0 > 0 } && done.reduce(0, +) == 100, "tasks per worker: \(done)")
        }
    }

    /// Two of our taskwork2 workers, killed by the sink.
    @Test func sinkKillsOurWorkers() throws {
        try withSandbox { sandbox in
            let sink = try sandbox.example("tasksink2")
            let workers = try (0..<2).map { _ in try sandbox.example("taskwork2") }
            try sandbox.example("taskvent", "--workers", "2").expectCleanExit()
            sink.expectCleanExit()
            for worker in workers {
                worker.expectCleanExit()
                #expect(worker.waitLine("Killed by the sink", timeout: 0) != nil, "\(worker.output)")
            }
            #expect(workers.map { tasksDone(by: $0) }.reduce(0, +) == 100)
        }
    }

    /// The tasks a taskwork printed as progress ("37.5.88."), counted.
    private func tasksDone(by worker: ChildProcess) -> Int {
        worker.output.split(separator: ".").filter { Int($0) != nil }.count
    }
}
