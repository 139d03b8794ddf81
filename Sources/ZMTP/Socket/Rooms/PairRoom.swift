@_spi(Engine) import ZMTPCore

/// PAIR: one peer, both ways. As libzmq's, the first peer wins: a later one completes its
/// handshake and stays connected, but is neither sent to nor read from, and is not adopted
/// when the first leaves.
final class PairRoom: SocketRoom {
    /// The one peer's pipe (a connect's pipe from `connect` on, as it queues while dialing).
    private var peer: Pipe?

    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome {
        guard message.frameCount > 0 else { throw SocketError.invalidMessage("a message needs at least one frame") }
        guard let pipe = currentPeer(socket), pipe.hasRoom(socket.sendLimits) else { return .blocked }
        return .queued(flush: socket.enqueue(message, from: 0, on: pipe))
    }

    func canSend(on socket: ZMTPSocket) -> Bool {
        currentPeer(socket)?.hasRoom(socket.sendLimits) ?? false
    }

    func attached(_ pipe: Pipe, on socket: ZMTPSocket) -> Bool {
        if peer == nil { peer = pipe }
        return peer === pipe
    }

    /// What an ignored peer sent with its handshake, before its reading stopped, is dropped.
    func arrived(_ messages: inout FramedMessages, from pipe: Pipe, on socket: ZMTPSocket) -> FramedMessages? {
        guard pipe !== peer else { return nil }
        while messages.popMessage() != nil {}
        return FramedMessages()
    }

    /// A bound PAIR takes the next peer once its peer has gone (libzmq forgets the pipe).
    func detached(_ pipe: Pipe, on socket: ZMTPSocket) {
        if peer === pipe, !pipe.persistent { peer = nil }
    }

    private func currentPeer(_ socket: ZMTPSocket) -> Pipe? {
        if peer == nil, let first = socket.pipes.first(where: { $0.persistent }) { peer = first }
        guard let peer, peer.isReady || peer.persistent else { return nil }
        return peer
    }
}
