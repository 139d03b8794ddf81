import Glibc
import Synchronization

/// Application threads polling for a socket instead of sleeping (see EventLoop.init). At most
/// one at a time in the process: with many blocked threads (hundreds of clients in their own
/// threads) a poll each would take the CPU from the threads doing the work.
enum BusyPoll {
    private static let active = Atomic<Int>(0)

    /// Yields the CPU in a loop until `done` or `end` (monotonic ns), if no other thread polls;
    /// returns at once otherwise.
    static func wait(until end: UInt64, done: () -> Bool) {
        guard active.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged else { return }
        defer { active.store(0, ordering: .releasing) }
        while !done() && monotonicNow() < end { sched_yield() }
    }
}
