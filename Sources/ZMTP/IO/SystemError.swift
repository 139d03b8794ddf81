/// A failed system call: which operation, and the errno it left.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call that failed, e.g. "connect" or "bind 127.0.0.1:5555".
    public let operation: String
    /// Why it failed.
    public let errno: Errno

    /// A failure of `operation` with `errno`.
    public init(operation: String, errno: Errno) {
        self.operation = operation
        self.errno = errno
    }

    /// "connect: Connection refused (errno 111)".
    public var description: String {
        "\(operation): \(errno) (errno \(errno.rawValue))"
    }
}
