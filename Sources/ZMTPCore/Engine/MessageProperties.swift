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
    /// The metadata the peer announced in its handshake ("Socket-Type", "Identity", ...);
    /// applications read it through the subscript.
    package let metadata: Metadata

    /// The properties of one connection.
    package init(userID: String?, peerAddress: String?, metadata: Metadata) {
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

    /// The user id and peer address, for logs.
    public var description: String {
        "MessageProperties(userID: \(userID ?? "nil"), peerAddress: \(peerAddress ?? "nil"))"
    }
}
