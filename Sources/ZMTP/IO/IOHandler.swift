/// What a registered file descriptor waits for. Empty means neither: the fd then stays out of
/// the epoll set, so a hung-up peer cannot wake the loop over and over while reads are paused.
public struct IOInterest: OptionSet, Sendable {
    /// The interest's bits: 1 readable, 2 writable.
    public let rawValue: UInt8
    /// An interest from its bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Wake the handler when the descriptor can be read (EPOLLIN).
    public static let readable = IOInterest(rawValue: 1)
    /// Wake the handler when the descriptor can be written (EPOLLOUT).
    public static let writable = IOInterest(rawValue: 2)
}

/// Receives readiness for a file descriptor registered with an `EventLoop`.
public protocol IOHandler: AnyObject {
    /// Called on the loop thread. `readable`/`writable` come from EPOLLIN/EPOLLOUT.
    /// EPOLLHUP/EPOLLERR are reported as readable (a read then sees EOF or the error), and also
    /// as writable when writable interest is set, so a pending connect or write learns of it.
    func ioReady(readable: Bool, writable: Bool)
}

/// Identifies a scheduled timer, for `EventLoop.cancel`.
public struct TimerHandle: Hashable, Sendable {
    let id: UInt64
}

/// Identifies a hook added with `EventLoop.whenShutDown`.
public struct ShutdownHook: Hashable, Sendable {
    let id: UInt64
}
