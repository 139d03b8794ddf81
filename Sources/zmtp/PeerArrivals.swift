import Foundation

/// Counts completed handshakes, so that a send waiting for a peer to appear can sleep until
/// the next one instead of polling. Signalled from the socket's event callback.
final class PeerArrivals: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrivedCount = 0  // guarded by condition

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return arrivedCount
    }

    func arrived() {
        condition.lock()
        arrivedCount += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until a handshake completes after `seen` was read, or `deadline` passes (nil:
    /// no limit); false at the deadline.
    func wait(after seen: Int, until deadline: ContinuousClock.Instant?) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while arrivedCount == seen {
            guard let deadline else { condition.wait(); continue }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
            _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
        }
        return true
    }
}
