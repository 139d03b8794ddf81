/// What a registered file descriptor waits for. Empty means neither: the fd then stays out of
/// the epoll set, so a hung-up peer cannot wake the loop over and over while reads are paused.
package struct IOInterest: OptionSet, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let readable = IOInterest(rawValue: 1)
    package static let writable = IOInterest(rawValue: 2)
}

/// Receives readiness for a file descriptor registered with an `EventLoop`.
package protocol IOHandler: AnyObject {
    /// Called on the loop thread. `readable`/`writable` come from EPOLLIN/EPOLLOUT.
    /// EPOLLHUP/EPOLLERR are reported as readable (a read then sees EOF or the error), and also
    /// as writable when writable interest is set, so a pending connect or write learns of it.
    func ioReady(readable: Bool, writable: Bool)
}

/// Identifies a scheduled timer, for `EventLoop.cancel`.
package struct TimerHandle: Hashable, Sendable {
    let id: UInt64
}

/// Identifies a hook added with `EventLoop.whenShutDown`.
package struct ShutdownHook: Hashable, Sendable {
    let id: UInt64
}
