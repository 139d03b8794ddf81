/// What happens to a socket's connections, reported to the application (handshake failures
/// must reach it, not only the log).
public enum SocketEvent: Sendable, Equatable {
    /// A `bind` is listening on the endpoint (with the real port when port 0 was asked for).
    case listening(Endpoint)
    /// A listener accepted a connection from `peer`; its handshake starts.
    case accepted(peer: String)
    /// A `connect` reached the endpoint; the handshake starts.
    case connected(Endpoint)
    /// The handshake with `peer` completed: messages flow. `routingID` is the peer's routing id on a
    /// ROUTER, empty on a DEALER.
    case handshakeSucceeded(peer: String, routingID: [UInt8])
    /// The handshake with `peer` failed and the connection was closed; `error` says why (a refused
    /// key or credentials, a mechanism or socket type mismatch, a timeout).
    case handshakeFailed(peer: String, error: ZMTPError)
    /// An established connection to `peer` closed; a connected endpoint is dialled again.
    case disconnected(peer: String, reason: String)
    /// A connection attempt to the endpoint failed (refused, unreachable, unresolvable); it is retried
    /// after the reconnect interval.
    case connectFailed(Endpoint, reason: String)
}
