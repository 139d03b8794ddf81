import Foundation
import Synchronization

/// Starts every child process from one thread that lives as long as the test process, with no
/// signal blocked. A child inherits the blocked signals of the thread that spawns it, and the
/// test runner's threads block SIGINT among others: a child started from one would never see
/// the SIGINT or SIGTERM a test sends it, where one started from a shell would. A child that
/// asks for a parent-death signal (PR_SET_PDEATHSIG, the Guide examples' sandbox) gets it when
/// the *thread* that spawned it ends, and the test runner's threads come and go. One thread
/// also means one spawn at a time, which Foundation's Process.run needs on Linux (parallel
/// suites crashed in its memcpy).
final class Spawner: Sendable {
    static let shared = Spawner()

    /// A process to start, and the outcome its caller waits for.
    private final class Job: Sendable {
        let process: Process
        let error = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        init(_ process: Process) { self.process = process }
    }

    private let jobs = Mutex<[Job]>([])
    private let queued = DispatchSemaphore(value: 0)

    private init() {
        Thread.detachNewThread { [self] in
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            while true {
                queued.wait()
                let job = jobs.withLock { $0.removeFirst() }
                do {
                    try job.process.run()
                } catch {
                    job.error.withLock { $0 = error }
                }
                job.done.signal()
            }
        }
    }

    /// Starts `process` from the spawning thread.
    func run(_ process: Process) throws {
        let job = Job(process)
        jobs.withLock { $0.append(job) }
        queued.signal()
        job.done.wait()
        if let error = job.error.withLock({ $0 }) { throw error }
    }
}
