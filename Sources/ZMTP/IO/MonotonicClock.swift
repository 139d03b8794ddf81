import Glibc

/// The monotonic clock in nanoseconds, the time base of every deadline in ZMTP (and of
/// `EventLoop.now`, which caches it per round).
package func monotonicNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
