import Glibc

/// State behind a pthread mutex. The event loop's task queue uses this rather than
/// `Synchronization.Mutex` because ThreadSanitizer intercepts pthread locks but cannot see
/// Mutex's (taken inside an uninstrumented library): with a visible lock, everything handed to
/// the loop through `execute` carries a happens-before edge TSan understands.
final class Locked<State>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Guarded by `mutex`: no dynamic exclusivity checks.
    @exclusivity(unchecked) private var state: State

    init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lockSpinning(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}
