/// Misuse of an `EventLoop` that is reported instead of trapping.
public enum EventLoopError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `submit` was called after `shutdown`: the task cannot run.
    case shutDown(loop: String)
    /// `setInterest` for an fd that is not registered.
    case notRegistered(fd: Int32)
    /// `register` for an fd that is already registered (unregister it first).
    case alreadyRegistered(fd: Int32)

    /// What was misused, naming the loop or the descriptor.
    public var description: String {
        switch self {
        case .shutDown(let name):
            return "event loop '\(name)' is shut down; tasks can no longer run on it"
        case .notRegistered(let fd):
            return "fd \(fd) is not registered with the event loop; register it first"
        case .alreadyRegistered(let fd):
            return "fd \(fd) is already registered with the event loop; unregister it first"
        }
    }
}
