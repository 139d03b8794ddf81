@_spi(Engine) import ZMTPCore

/// REQ: a request goes to the next peer in turn behind the empty delimiter (and a request id
/// with `reqCorrelate`), then only that peer's reply is taken; send and receive alternate
/// strictly, as `RequestState` rules (`reqRelaxed` lets a new request replace the old).
final class RequestRoom: SocketRoom {
    private var state: RequestState<ObjectIdentifier>

    init(options: SocketOptions) {
        state = RequestState(options: .init(relaxed: options.reqRelaxed, correlate: options.reqCorrelate))
    }

    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome {
        guard message.frameCount > 0 else { throw SocketError.invalidMessage("a message needs at least one frame") }
        do { try state.checkSend() } catch { throw SocketError.invalidState }
        guard let pipe = socket.nextSendPipeLocked() else { return .blocked }
        // A relaxed resend: whatever came for the earlier request is stale (libzmq drops it too).
        if state.awaitingReply { socket.discardInboundLocked() }
        guard let request = try? state.request(Message(message.allFrames), to: ObjectIdentifier(pipe)) else {
            throw SocketError.invalidState
        }
        return .queued(flush: socket.enqueue(request, from: 0, on: pipe))
    }

    /// Out of turn, a send is "possible" at once: it throws `invalidState` instead of waiting.
    func canSend(on socket: ZMTPSocket) -> Bool {
        (try? state.checkSend()) == nil || socket.anyPipeHasRoomLocked()
    }

    func checkReceive() throws(SocketError) {
        do { try state.checkReceive() } catch { throw SocketError.invalidState }
    }

    func detached(_ pipe: Pipe, on socket: ZMTPSocket) {
        state.peerRemoved(ObjectIdentifier(pipe))
    }

    var inspectsTakes: Bool { true }

    func take(_ message: [[UInt8]], from pipe: Pipe) -> [[UInt8]]? {
        state.reply(Message(message), from: ObjectIdentifier(pipe))?.frames
    }
}
