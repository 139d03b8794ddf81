/// Wakes a thread in `ZMTPPoller.poll` when a socket it watches may have become ready. Sockets
/// signal it from wherever readiness changes (a delivery, room freed, a peer attached, close);
/// the poller notes the count before it looks at its sockets and sleeps only while the count
/// is unchanged, so a change between looking and sleeping is never missed.
final class PollWaker: @unchecked Sendable {
    private let lock = ConditionLock()
    /// Guarded by `lock`.
    private var signals = 0

    var count: Int { lock.withLock { signals } }

    func signal() {
        lock.withLock {
            signals &+= 1
            lock.broadcast()
        }
    }

    /// Sleeps until a signal after `seen`, or the monotonic deadline (nil: none).
    func wait(after seen: Int, until deadline: UInt64?) {
        lock.withLock {
            while signals == seen {
                if !lock.wait(until: deadline) { return }
            }
        }
    }
}
