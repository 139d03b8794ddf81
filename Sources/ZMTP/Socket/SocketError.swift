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
    /// The socket type is not implemented (only DEALER and ROUTER are).
    case unsupportedSocketType(SocketType)
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
        case .unsupportedSocketType(let t): return "socket type \(t.rawValue) is not implemented"
        case .addressInUse(let e): return "\(e) is bound by another socket already"
        case .endpointNotFound(let e): return "\(e) is not an endpoint this socket bound or connected (use the endpoint bind returned)"
        }
    }
}
