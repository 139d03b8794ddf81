/// Errors of the application-facing socket API.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A non-blocking send found no peer able to take the message (EAGAIN).
    case wouldBlock
    /// A blocking call reached its timeout.
    case timedOut
    /// ROUTER_MANDATORY: no connected peer has this routing id (EHOSTUNREACH).
    case hostUnreachable(routingID: [UInt8])
    /// The socket was closed.
    case closed
    /// The message cannot be sent as given (e.g. a ROUTER message without a routing-id frame).
    case invalidMessage(String)
    /// The call is out of turn for the socket's pattern (EFSM): REQ sending a second request
    /// before the reply (without `reqRelaxed`) or receiving with none sent, REP sending before
    /// it received a request or receiving before it answered one.
    case invalidState
    /// The socket's type cannot make this call (ENOTSUP): send on SUB or PULL, receive on PUB or
    /// PUSH, subscribe on a type that has no subscriptions.
    case notSupported
    /// The inproc name is bound by a socket already (EADDRINUSE).
    case addressInUse(String)
    /// `unbind` or `disconnect` of an endpoint this socket did not bind or connect (ENOENT).
    case endpointNotFound(String)

    /// A one-line explanation for logs and error messages.
    public var description: String {
        switch self {
        case .wouldBlock: return "no peer can take the message now (high-water mark reached or no peer)"
        case .timedOut: return "timed out"
        case .hostUnreachable(let id): return "no peer with routing id \(id.map { String($0, radix: 16) }.joined(separator: " "))"
        case .closed: return "socket is closed"
        case .invalidMessage(let s): return "invalid message: \(s)"
        case .invalidState: return "the socket's pattern does not allow this call now (send and receive out of turn)"
        case .notSupported: return "the socket's type does not support this call"
        case .addressInUse(let e): return "\(e) is bound by another socket already"
        case .endpointNotFound(let e): return "\(e) is not an endpoint this socket bound or connected (use the endpoint bind returned)"
        }
    }
}
