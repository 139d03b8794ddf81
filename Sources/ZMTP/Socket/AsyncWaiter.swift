/// One suspended async call (a receive, a send waiting for room, a monitor's next event). Its
/// outcome is decided once, by whichever comes first: a message or room, close, the Task's
/// cancellation or the timeout; every later attempt to decide is refused, so the continuation
/// is resumed exactly once and a message offered to a waiter that lost the race stays queued.
/// Deciding is separate from resuming: a delivery decides under the socket's lock and resumes
/// after releasing it, and an outcome decided before the continuation exists (a Task
/// cancelled on entry) is delivered when the continuation is installed.
final class AsyncWaiter<Value: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<Value, any Error>)
        case decided(Result<Value, any Error>)
        case resumed
    }

    private struct Guarded {
        var state = State.idle
        /// The timeout's loop timer, cancelled when something else decides first.
        var timer: TimerHandle?

        var isDecided: Bool {
            switch state {
            case .idle, .waiting: return false
            case .decided, .resumed: return true
            }
        }
    }

    /// A pthread lock (`Locked`), which ThreadSanitizer sees, unlike Synchronization.Mutex.
    private let guarded = Locked(Guarded())
    private let loop: EventLoop

    init(loop: EventLoop) { self.loop = loop }

    /// A decided outcome, to resume once the caller has released its locks.
    struct Resumption {
        fileprivate let continuation: CheckedContinuation<Value, any Error>?
        fileprivate let result: Result<Value, any Error>
        fileprivate let timer: TimerHandle?
        fileprivate let loop: EventLoop

        func resume() {
            if let timer {
                if loop.inLoop { loop.cancel(timer) } else { loop.execute { [loop] in loop.cancel(timer) } }
            }
            continuation?.resume(with: result)
        }
    }

    var isDecided: Bool { guarded.withLock { $0.isDecided } }

    /// Decides the outcome with `produce` (called only while undecided, under the waiter's
    /// lock, so a message it takes is taken for this waiter alone). Nil when the outcome was
    /// decided already or `produce` had none.
    func decide(_ produce: () -> Result<Value, any Error>?) -> Resumption? {
        guarded.withLock { g -> Resumption? in
            let continuation: CheckedContinuation<Value, any Error>?
            switch g.state {
            case .idle: continuation = nil
            case .waiting(let c): continuation = c
            case .decided, .resumed: return nil
            }
            guard let result = produce() else { return nil }
            g.state = continuation == nil ? .decided(result) : .resumed
            defer { g.timer = nil }
            return Resumption(continuation: continuation, result: result, timer: g.timer, loop: loop)
        }
    }

    /// Installs the suspended Task's continuation; resumes it at once if the outcome was
    /// decided before.
    private func install(_ c: CheckedContinuation<Value, any Error>) {
        let early: Result<Value, any Error>? = guarded.withLock { g in
            guard case .decided(let result) = g.state else {
                g.state = .waiting(c)
                return nil
            }
            g.state = .resumed
            return result
        }
        if let early { c.resume(with: early) }
    }

    /// Decides `SocketError.timedOut` at `deadline` (monotonic ns) with a timer on the loop,
    /// unless something else decides first; `expired` runs once a timeout was decided, before
    /// the caller resumes.
    private func armTimeout(at deadline: UInt64, expired: @escaping @Sendable () -> Void) {
        let queued = loop.execute { [self, loop] in
            guard !isDecided else { return }
            let timer = loop.schedule(at: deadline) { [self] in
                if let r = decide({ .failure(SocketError.timedOut) }) {
                    expired()
                    r.resume()
                }
            }
            let late = guarded.withLock { g in
                if g.isDecided { return true }
                g.timer = timer
                return false
            }
            if late { loop.cancel(timer) }
        }
        // A loop that shut down runs no timer, and no connection either.
        if !queued, let r = decide({ .failure(SocketError.closed) }) {
            expired()
            r.resume()
        }
    }

    /// Suspends the calling Task until a new waiter's outcome is decided, and returns it.
    /// `enqueue` runs once, before suspending: under the owner's lock it decides at once when
    /// it can, or else queues the waiter where deliveries find it (unless it is decided
    /// already). `forget` takes a waiter decided by cancellation or timeout out of the owner's
    /// queue before the caller resumes, so abandoned calls do not pile up on a quiet socket.
    static func suspend(loop: EventLoop, deadline: UInt64?,
                        enqueue: (AsyncWaiter) -> Void,
                        forget: @escaping @Sendable () -> Void) async throws -> Value {
        let waiter = AsyncWaiter(loop: loop)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { c in
                enqueue(waiter)
                if let deadline { waiter.armTimeout(at: deadline, expired: forget) }
                waiter.install(c)
            }
        } onCancel: {
            if let r = waiter.decide({ .failure(CancellationError()) }) {
                forget()
                r.resume()
            }
        }
    }
}

extension Duration {
    /// The monotonic deadline `self` from now, in nanoseconds (saturating).
    var deadlineFromNow: UInt64 {
        let (deadline, overflow) = monotonicNow().addingReportingOverflow(nanoseconds)
        return overflow ? .max : deadline
    }
}
