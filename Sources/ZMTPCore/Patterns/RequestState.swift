/// REQ's send/receive alternation and envelope, as libzmq's `req_t`.
///
/// A request goes out as `[empty delimiter][body…]`, or with REQ_CORRELATE as
/// `[request id (4 bytes)][empty][body…]`. Only a reply from the peer the request went to is
/// taken (from any peer once that one is gone), and with REQ_CORRELATE only one that echoes
/// the id; other messages are dropped whole. The id is a 32-bit counter from a random start,
/// incremented per request, in the host byte order libzmq uses, which on every platform mc0
/// runs on is little-endian.
package struct RequestState<Peer: Equatable & Sendable>: Sendable {
    package struct Options: Equatable, Sendable {
        /// REQ_RELAXED: a new request may be sent while a reply is awaited; it replaces the
        /// earlier request, whose reply is then dropped (the socket also discards the
        /// messages already queued for the application, as libzmq does).
        package var relaxed = false
        /// REQ_CORRELATE: requests carry an id that a reply must echo.
        package var correlate = false

        package init(relaxed: Bool = false, correlate: Bool = false) {
            self.relaxed = relaxed
            self.correlate = correlate
        }
    }

    package let options: Options
    package private(set) var awaitingReply = false
    /// The peer the outstanding request went to; nil while awaiting means it left.
    private var replyPeer: Peer?
    private var requestID: UInt32

    /// `initialRequestID` is random in use (as libzmq's); tests fix it.
    package init(options: Options = Options(), initialRequestID: UInt32 = .random(in: .min ... .max)) {
        self.options = options
        requestID = initialRequestID
    }

    /// Throws unless a request may be sent now.
    package func checkSend() throws(SocketStateError) {
        if awaitingReply && !options.relaxed { throw .requestPending }
    }

    /// Throws unless a reply may be received now.
    package func checkReceive() throws(SocketStateError) {
        if !awaitingReply { throw .noRequestSent }
    }

    /// The wire message for `body`, sent to `peer` (picked by load balancing); from now on a
    /// reply is awaited from that peer.
    package mutating func request(_ body: Message, to peer: Peer) throws(SocketStateError) -> Message {
        try checkSend()
        var message = Message()
        if options.correlate {
            requestID &+= 1
            withUnsafeBytes(of: requestID.littleEndian) { message.append($0) }
        }
        message.append([])
        message.appendFrames(of: body, from: 0)
        awaitingReply = true
        replyPeer = peer
        return message
    }

    /// The reply body if `message` from `peer` answers the outstanding request, which it then
    /// completes; nil when it is to be dropped (another peer, another id, no delimiter, or no
    /// request outstanding).
    package mutating func reply(_ message: Message, from peer: Peer) -> Message? {
        guard awaitingReply, replyPeer == nil || replyPeer == peer else { return nil }
        var first = 0
        if options.correlate {
            guard message.count > 1, message[0].elementsEqual(Self.bytes(of: requestID)) else { return nil }
            first = 1
        }
        guard message.count > first + 1, message[first].isEmpty else { return nil }
        var body = Message()
        body.appendFrames(of: message, from: first + 1)
        awaitingReply = false
        replyPeer = nil
        return body
    }

    /// A peer left; if the outstanding request went to it, a reply is taken from any peer.
    package mutating func peerRemoved(_ peer: Peer) {
        if replyPeer == peer { replyPeer = nil }
    }

    /// What a REQ connection accepts from its peer, checked as each message arrives (libzmq's
    /// `req_session_t`): the first frame is an empty delimiter or a 4-byte request id followed
    /// by one, with a body after it. Anything else is a protocol error that closes the link.
    package static func validateIncoming(_ message: Message) throws(ZMTPError) {
        let delimiter = message.count > 0 && message[0].count == 4 ? 1 : 0
        guard message.count > delimiter + 1, message[delimiter].isEmpty else {
            throw .badMessage("a reply to REQ must start with an empty delimiter frame (after a 4-byte request id, if any) and carry a body")
        }
    }

    private static func bytes(of id: UInt32) -> [UInt8] {
        withUnsafeBytes(of: id.littleEndian) { Array($0) }
    }
}
