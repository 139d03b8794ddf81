import ChildProcesses
import Glibc
import Testing

/// Chapter 4's Paranoid Pirate: lpclient through ppqueue to ppworkers, ours and libzmq's, and
/// the queue forgetting a worker that went silent.
@Suite struct ParanoidPirateTests {
    static let heartbeat = "250"

    func worker(_ sandbox: Sandbox) throws -> ChildProcess {
        try sandbox.example("ppworker", "--steady", "--work-ms", "0", "--heartbeat-ms", Self.heartbeat)
    }

    func replies(_ worker: ChildProcess) -> Int { worker.lines("I: normal reply").count }

    @Test func clientQueueAndWorkers() throws {
        try withSandbox { sandbox in
            let queue = try sandbox.example("ppqueue", "--heartbeat-ms", Self.heartbeat, "--count", "6")
            let workers = try (0..<2).map { _ in try worker(sandbox) }
            let client = try sandbox.example("lpclient", "--count", "6", "--timeout-ms", LazyPirateTests.patient)
            client.expectCleanExit()
            #expect(client.lines("I: server replied OK").count == 6)
            #expect(workers.map(replies).reduce(0, +) == 6)
            queue.expectCleanExit()
        }
    }

    /// --count: with no pretended work the worker exits right after its last reply, which the
    /// client still gets.
    @Test func workerWithCountDeliversItsLastReply() throws {
        try withSandbox { sandbox in
            let queue = try sandbox.example("ppqueue", "--heartbeat-ms", Self.heartbeat, "--count", "3")
            let worker = try sandbox.example("ppworker", "--steady", "--work-ms", "0", "--heartbeat-ms", Self.heartbeat, "--count", "3")
            let client = try sandbox.example("lpclient", "--count", "3", "--timeout-ms", LazyPirateTests.patient)
            client.expectCleanExit()
            #expect(client.lines("I: server replied OK").count == 3)
            worker.expectCleanExit()
            queue.expectCleanExit()
        }
    }

    /// One worker stops (SIGSTOP: its connection stays up but it says nothing). Once its
    /// liveness has run out the queue drops it, and every request goes to the other one.
    @Test func queueDropsSilentWorker() throws {
        try withSandbox { sandbox in
            let queue = try sandbox.example("ppqueue", "--heartbeat-ms", Self.heartbeat)
            let live = try worker(sandbox), silent = try worker(sandbox)
            // Once the queue has both, they take turns.
            #expect(queue.waitLines("I: worker ", count: 2).count == 2)
            let first = try sandbox.example("lpclient", "--count", "4")
            first.expectCleanExit()
            #expect(replies(live) >= 1 && replies(silent) >= 1)

            silent.signal(SIGSTOP)
            defer { silent.kill() }
            #expect(queue.waitLine("W: worker ", timeout: 20)?.hasSuffix(" expired") == true)
            let served = replies(live)
            let second = try sandbox.example("lpclient", "--count", "4", "--timeout-ms", "1000")
            second.expectCleanExit()
            #expect(second.lines("I: server replied OK").count == 4)
            // At least: a reply slower than the client's timeout is asked for again.
            #expect(replies(live) >= served + 4)
        }
    }

    /// The queue dies: the worker misses its heartbeats, reconnects after its backoff, and
    /// serves again through a restarted queue.
    @Test func workerReconnectsToRestartedQueue() throws {
        try withSandbox { sandbox in
            let first = try sandbox.example("ppqueue", "--heartbeat-ms", Self.heartbeat)
            let worker = try sandbox.example("ppworker", "--steady", "--work-ms", "0", "--heartbeat-ms", Self.heartbeat,
                                             "--reconnect-ms", Self.heartbeat)
            worker.waitLine("I: worker heartbeat")
            first.kill()
            #expect(worker.waitLine("W: heartbeat failure, can't reach queue") != nil)
            _ = try sandbox.example("ppqueue", "--heartbeat-ms", Self.heartbeat)
            let client = try sandbox.example("lpclient", "--count", "3")
            client.expectCleanExit()
            #expect(client.lines("I: server replied OK").count == 3)
            #expect(worker.lines("I: worker ready").count >= 2)
            #expect(replies(worker) >= 3)
        }
    }

    @Test func queueWithLibzmqWorker() throws {
        try withSandbox { sandbox in
            _ = try sandbox.example("ppqueue", "--heartbeat-ms", Self.heartbeat)
            let worker = try sandbox.peer("ppworker", Self.heartbeat)
            let client = try sandbox.example("lpclient", "--count", "4", "--timeout-ms", LazyPirateTests.patient)
            client.expectCleanExit()
            #expect(client.lines("I: server replied OK").count == 4)
            #expect(worker.lines("I: normal reply").count == 4)
            #expect(worker.lines("E:").isEmpty)
        }
    }
}
