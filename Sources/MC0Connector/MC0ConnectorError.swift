/// Why a connector call failed. Each description says what happened and what to do.
public enum MC0ConnectorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting or key file is wrong (see `ConnectorConfigError`).
    case config(ConnectorConfigError)
    /// The call needs a session: `connect()` was not called or did not succeed.
    case notConnected
    /// `close()` was called.
    case closed
    /// The event loop the connector runs on was shut down: the connector cannot work any more.
    case loopStopped
    /// CONNECT got no OK in time; `lastProblem` is what the transport reported, if anything.
    case connectTimedOut(endpoint: String, timeout: Duration, lastProblem: String?)
    /// The ZMTP/CURVE handshake with the broker failed (wrong broker key, or not an mc0 broker).
    case handshakeFailed(endpoint: String, reason: String)
    /// The broker answered ERROR: the command had no effect.
    case refused(verb: String, message: String)
    /// No OK within the ack timeout (the broker may be down or reconnection may be slow).
    case timedOut(verb: String, timeout: Duration)
    /// The session ended (broker silent, restarted or connection lost) while a PUT waited for
    /// its OK: it may or may not have been delivered.
    case sessionLost(verb: String, reason: String)
    /// A bad argument (empty topic, reserved header name).
    case invalidArgument(String)
    /// The socket could not be created or refused a message.
    case socket(String)

    public var description: String {
        switch self {
        case .config(let error):
            return error.description
        case .notConnected:
            return "not connected: call connect() first and wait for it to succeed"
        case .closed:
            return "the connector is closed"
        case .loopStopped:
            return "the connector's event loop was shut down: create a new connector on a running loop"
        case .connectTimedOut(let endpoint, let timeout, let problem):
            return "no answer to CONNECT from \(endpoint) within \(timeout)" + (problem.map { " (last problem: \($0))" } ?? "")
                + ": check that mc0d runs there and that plugin.zeromq.broker.host/port and plugin.zeromq.curve match it"
        case .handshakeFailed(let endpoint, let reason):
            return "handshake with \(endpoint) failed: \(reason): check plugin.zeromq.broker.public_key (the broker's public key) and plugin.zeromq.curve"
        case .refused(let verb, let message):
            return "broker refused \(verb): \(message)"
        case .timedOut(let verb, let timeout):
            return "\(verb) not acknowledged within \(timeout): the broker is unreachable or overloaded"
        case .sessionLost(let verb, let reason):
            return "\(verb) not acknowledged before the session ended (\(reason)): it may or may not have been delivered; retry if it must arrive"
        case .invalidArgument(let text):
            return text
        case .socket(let text):
            return "socket: \(text)"
        }
    }
}

/// What happens to the connector's session, for logs and monitoring (called on the loop
/// thread: keep it short).
public enum MC0ConnectorEvent: Sendable, Equatable {
    /// A session is up; `routingID` is "<identity> <pid> <n>".
    case connected(routingID: String)
    /// The session ended and the connector reconnects.
    case sessionLost(reason: String)
    /// A reconnection attempt failed; another follows.
    case reconnectFailed(reason: String)
}
