import Synchronization
import ZMTP

/// Set by a caller's Task when it is cancelled, so the loop ends that call with
/// `CancellationError` whether the call already started there or not.
final class CallCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool { flag.load(ordering: .acquiring) }

    func cancel() { flag.store(true, ordering: .releasing) }
}

/// A `connect()` caller waiting for the session.
struct ConnectWaiter: Sendable {
    let cancellation: CallCancellation
    let continuation: CheckedContinuation<Void, Error>
}

/// Calls that stop waiting: cancelled, the loop shut down, or the application caught up with
/// the deliveries (loop thread unless said otherwise).
extension MC0Connector {
    /// A caller's Task was cancelled: its call, if still waiting, throws `CancellationError`.
    func cancelled(_ cancellation: CallCancellation) {
        if let index = connectWaiters.firstIndex(where: { $0.cancellation === cancellation }) {
            connectWaiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
        if let (id, request) = pending.first(where: { $0.value.cancellation === cancellation }) {
            pending[id] = nil
            complete(request, .failure(CancellationError()))
        }
        if let index = queued.firstIndex(where: { $0.cancellation === cancellation }) {
            complete(queued.remove(at: index), .failure(CancellationError()))
        }
    }

    /// The loop is stopping (its shutdown hook): every waiting call throws `loopStopped`.
    func loopStopped() {
        shutdown(failing: .loopStopped)?.close()
    }

    /// Any thread: the application took enough deliveries; read from the broker again.
    func consumerCaughtUp() {
        loop.execute { [self] in
            guard phase != .closed, !deliveries.isPaused else { return }
            socket?.resumeReading()
        }
    }
}
