/// One protocol operation sent by a NATS server.
public enum NATSServerOperation: Equatable, Sendable {
    case info(NATSInfo)
    case msg(NATSMessage)
    case ping
    case pong
    case ok
    /// `-ERR 'text'`, the quotes removed.
    case err(String)
}

/// A MSG (or HMSG) delivered for one of our subscriptions.
public struct NATSMessage: Equatable, Sendable {
    /// The subject it was published on.
    public var subject: String
    /// The subscription it matched.
    public var sid: UInt64
    /// The reply subject the publisher gave, if any.
    public var replyTo: String?
    /// The raw NATS/1.0 header block of an HMSG; nil for MSG.
    public var headers: [UInt8]?
    /// The message bytes (after the headers of an HMSG).
    public var payload: [UInt8]

    /// A message as a server delivers it.
    public init(subject: String, sid: UInt64, replyTo: String? = nil, headers: [UInt8]? = nil, payload: [UInt8]) {
        self.subject = subject
        self.sid = sid
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }
}
