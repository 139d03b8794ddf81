/// What happens to a socket's endpoints and connections, as libzmq's socket monitor reports it.
/// A socket reports its events in the order they happen, to its `SocketMonitor`s and to
/// `SocketOptions.onEvent`; `closed` is the last.
public enum SocketEvent: Sendable, Equatable {
    /// `bind` listens on the endpoint (with the real port when port 0 was asked).
    case listening(Endpoint)
    /// The listener on the endpoint accepted a connection from `peer` (its address); its
    /// handshake starts.
    case accepted(Endpoint, peer: String)
    /// A connection to the endpoint (from `connect`) is established; its handshake starts.
    case connected(Endpoint)
    /// Connecting to the endpoint failed (refused, unreachable, name not found).
    case connectFailed(Endpoint, reason: String)
    /// The next attempt to connect to the endpoint starts after `delay` (libzmq's
    /// reconnect interval, its backoff and jitter).
    case connectRetried(Endpoint, delay: Duration)
    /// The handshake with `peer` succeeded with the named security mechanism; `routingID` is
    /// the peer's routing id (ROUTER; empty for DEALER).
    case handshakeSucceeded(peer: String, mechanism: String, routingID: [UInt8])
    /// The handshake with `peer` failed, and the connection is closed.
    case handshakeFailed(peer: String, error: ZMTPError)
    /// The connection to `peer`, after its handshake, is closed.
    case disconnected(peer: String, reason: DisconnectReason)
    /// The socket is closed: no event follows.
    case closed
}

/// Why a connection that had completed its handshake closed.
public enum DisconnectReason: Sendable, Equatable, CustomStringConvertible {
    /// The peer broke the protocol or a limit (a heartbeat timeout included).
    case protocolError(ZMTPError)
    /// The transport ended: the peer closed it, or a system call on it failed.
    case connectionLost(String)
    /// This side closed it: the socket was closed, a newer connection took over the routing id,
    /// or the application disconnected the peer.
    case closedLocally(String)

    /// The reason in words, as logs show it.
    public var description: String {
        switch self {
        case .protocolError(let error): return error.description
        case .connectionLost(let why), .closedLocally(let why): return why
        }
    }
}
