/// REP's envelope and alternation, as libzmq's `rep_t`: a request's routing frames, up to and
/// including the empty delimiter, are kept with the peer it came from, and put back in front
/// of the reply. Every hop's routing frames are kept, so a reply finds its way back through a
/// chain of ROUTER/DEALER proxies.
package struct ReplyState<Peer: Sendable>: Sendable {
    private var pending: (peer: Peer, envelope: Message)?

    package init() {}

    package var awaitingReply: Bool { pending != nil }

    /// Throws unless a request may be received now.
    package func checkReceive() throws(SocketStateError) {
        if pending != nil { throw .replyPending }
    }

    /// Throws unless a reply may be sent now.
    package func checkSend() throws(SocketStateError) {
        if pending == nil { throw .noRequestReceived }
    }

    /// The body of a request from `peer`, whose envelope is kept for the reply; nil when the
    /// message has no empty delimiter followed by a body (libzmq drops it silently).
    package mutating func request(_ message: Message, from peer: Peer) throws(SocketStateError) -> Message? {
        try checkReceive()
        var delimiter = 0
        while delimiter < message.count, !message[delimiter].isEmpty { delimiter += 1 }
        guard delimiter < message.count - 1 else { return nil }
        var envelope = Message()
        for index in 0...delimiter { message[index].withUnsafeBytes { envelope.append($0) } }
        var body = Message()
        body.appendFrames(of: message, from: delimiter + 1)
        pending = (peer, envelope)
        return body
    }

    /// The reply to the pending request: the peer to send it to and the message with its
    /// envelope restored.
    package mutating func reply(_ body: Message) throws(SocketStateError) -> (peer: Peer, message: Message) {
        guard let (peer, envelope) = pending else { throw .noRequestReceived }
        var message = envelope
        message.appendFrames(of: body, from: 0)
        pending = nil
        return (peer, message)
    }
}
