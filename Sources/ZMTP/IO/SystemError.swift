import Glibc

/// A failed system call: which operation, and the errno it left.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call or step that failed, such as "connect".
    public let operation: String
    /// The `errno` it left.
    public let errno: Int32

    /// The failure of `operation` with `errno`.
    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    /// Captures the calling thread's current errno; call right after the failing syscall.
    static func last(_ operation: String) -> SystemError {
        SystemError(operation: operation, errno: Glibc.errno)
    }

    /// "connect: Connection refused (errno 111)". glibc's strerror is thread-safe for
    /// known codes (static strings) and uses a thread-local buffer for unknown ones.
    public var description: String {
        "\(operation): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
