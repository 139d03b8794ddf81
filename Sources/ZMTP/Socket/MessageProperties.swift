/// What a received message tells about the connection it came from, as libzmq's message
/// properties do (`zmq_msg_gets`): the authenticated user, the peer's address and the metadata
/// it announced in its handshake. Shared by every message of one connection, so attaching it to
/// a message costs one reference.
public final class MessageProperties: Sendable, CustomStringConvertible {
    /// "User-Id": what the socket's authenticator allowed the peer as; for a CURVE server
    /// without an authenticator, the client's public key in Z85. Nil when nobody authenticated
    /// the peer (NULL without an authenticator, and on the client side of PLAIN and CURVE).
    public let userID: String?
    /// "Peer-Address": the peer's numeric IP address ("127.0.0.1", "::1"), without the port;
    /// nil when the transport has none.
    public let peerAddress: String?
    /// The metadata the peer announced in its handshake ("Socket-Type", "Identity", ...).
    public let metadata: Metadata

    /// The properties of one connection.
    public init(userID: String?, peerAddress: String?, metadata: Metadata) {
        self.userID = userID
        self.peerAddress = peerAddress
        self.metadata = metadata
    }

    /// A property by libzmq's name: "User-Id", "Peer-Address", or a metadata name such as
    /// "Socket-Type" (its value as UTF-8 text).
    public subscript(name: String) -> String? {
        switch name {
        case "User-Id": return userID
        case "Peer-Address": return peerAddress
        default: return metadata[name].map { String(decoding: $0, as: UTF8.self) }
        }
    }

    public var description: String {
        "MessageProperties(userID: \(userID ?? "nil"), peerAddress: \(peerAddress ?? "nil"))"
    }
}

extension ZMTPSocket {
    /// ROUTER: the properties of the connection that now holds `routingID`, or nil when none
    /// does. Inside a `serve` handler, called with the handler's `peer`, they are exactly those
    /// of the message being handled. After a blocking or async `receive`, the peer may have
    /// gone (nil) or, with handover, been replaced in the meantime: use `receive(into:)`, whose
    /// `Message.properties` always belong to the message's sender.
    public func properties(of routingID: [UInt8]) -> MessageProperties? {
        lock.withLock { routes[routingID]?.properties }
    }
}
