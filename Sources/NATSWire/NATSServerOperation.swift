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
    public var subject: String
    public var sid: UInt64
    public var replyTo: String?
    /// The raw NATS/1.0 header block of an HMSG; nil for MSG.
    public var headers: [UInt8]?
    public var payload: [UInt8]

    public init(subject: String, sid: UInt64, replyTo: String? = nil, headers: [UInt8]? = nil, payload: [UInt8]) {
        self.subject = subject
        self.sid = sid
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }
}
