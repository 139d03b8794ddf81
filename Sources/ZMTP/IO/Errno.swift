import Glibc

/// An error number from a failed system call, with names for the values mc0 acts on (in the
/// style of swift-system's `Errno`). Compare with the named constants:
/// `error.errno == .connectionRefused`.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    public let rawValue: Int32

    /// Wraps a C `errno` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's errno: read it right after the failing call.
    package static var current: Errno { Errno(rawValue: Glibc.errno) }

    /// The system's text for it, e.g. "Connection refused". glibc's strerror is thread-safe for
    /// known codes (static strings) and uses a thread-local buffer for unknown ones.
    public var description: String { String(cString: strerror(rawValue)) }

    /// EINTR: a signal arrived before the call completed.
    public static let interrupted = Errno(rawValue: EINTR)
    /// EAGAIN (EWOULDBLOCK on Linux): a non-blocking call would have to wait.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// EINPROGRESS: a non-blocking connect goes on in the background.
    public static let inProgress = Errno(rawValue: EINPROGRESS)
    /// EBADF: not an open file descriptor.
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// EIO: a low-level I/O error.
    public static let ioError = Errno(rawValue: EIO)
    /// ENOENT: no such file or directory.
    public static let noSuchFile = Errno(rawValue: ENOENT)
    /// EEXIST: the file exists.
    public static let fileExists = Errno(rawValue: EEXIST)
    /// EADDRINUSE: the address is already bound.
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    /// EADDRNOTAVAIL: the address is not available on this host.
    public static let addressNotAvailable = Errno(rawValue: EADDRNOTAVAIL)
    /// EAFNOSUPPORT: the address family (e.g. IPv6) is not supported here.
    public static let addressFamilyNotSupported = Errno(rawValue: EAFNOSUPPORT)
    /// ECONNREFUSED: nothing listens at the address.
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    /// ECONNRESET: the peer reset the connection.
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    /// ECONNABORTED: a pending connection was aborted before it was accepted.
    public static let connectionAborted = Errno(rawValue: ECONNABORTED)
    /// EPROTO: a protocol error, e.g. on a connection dying in the accept queue.
    public static let protocolError = Errno(rawValue: EPROTO)
    /// EPIPE: the peer closed the connection before the write.
    public static let brokenPipe = Errno(rawValue: EPIPE)
    /// ETIMEDOUT: the connection attempt timed out.
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
}
