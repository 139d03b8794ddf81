@_spi(Engine) import ZMTPCore

/// REP: requests are fair-queued; each one's envelope (every hop's routing frames up to the
/// empty delimiter) is kept, and put back in front of the reply, which goes to the peer the
/// request came from, or nowhere if that peer is gone or full. Receive and send alternate
/// strictly (`ReplyState`).
final class ReplyRoom: SocketRoom {
    private var state = ReplyState<ObjectIdentifier>()
    /// The pipe the pending request came from.
    private var requester: Pipe?

    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome {
        guard let (_, reply) = try? state.reply(Message(message.allFrames)) else { throw SocketError.invalidState }
        defer { requester = nil }
        guard let pipe = requester, pipe.isReady, pipe.hasRoom(socket.sendLimits) else { return .dropped }
        return .queued(flush: socket.enqueue(reply, from: 0, on: pipe))
    }

    func checkReceive() throws(SocketError) {
        do { try state.checkReceive() } catch { throw SocketError.invalidState }
    }

    var inspectsTakes: Bool { true }

    /// A request without a delimiter and a body is dropped, as libzmq does.
    func take(_ message: [[UInt8]], from pipe: Pipe) -> [[UInt8]]? {
        guard let body = try? state.request(Message(message), from: ObjectIdentifier(pipe)) else { return nil }
        requester = pipe
        return body.frames
    }
}
