/// What happens to a socket's connections, reported to the application (handshake failures
/// must reach it, not only the log).
public enum SocketEvent: Sendable, Equatable {
    case listening(Endpoint)
    case accepted(peer: String)
    case connected(Endpoint)
    case handshakeSucceeded(peer: String, routingID: [UInt8])
    case handshakeFailed(peer: String, error: ZMTPError)
    case disconnected(peer: String, reason: String)
    case connectFailed(Endpoint, reason: String)
}
