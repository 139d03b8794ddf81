/// A task executor whose jobs run on the thread that calls `run(until:)`: the proxy's tasks
/// live on the caller's thread, as zmq_proxy does, and never wait for a turn on the
/// cooperative pool (which blocking application threads may hold).
final class CallerThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let lock = ConditionLock()
    private var jobs: [UnownedJob] = []
    private var finished = false

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        lock.withLock {
            jobs.append(job)
            lock.broadcast()
        }
    }

    /// Ends `run()` once the jobs queued so far have run.
    func finish() {
        lock.withLock {
            finished = true
            lock.broadcast()
        }
    }

    /// Runs jobs as they come, sleeping while there are none, until `finish()`.
    func run() {
        while true {
            let next: [UnownedJob]? = lock.withLock {
                while jobs.isEmpty && !finished { _ = lock.wait(until: nil) }
                if jobs.isEmpty { return nil }
                defer { jobs.removeAll(keepingCapacity: true) }
                return jobs
            }
            guard let next else { return }
            for job in next { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
