/// DEALER, PUSH and PULL: load-balanced sends and fair-queued receives (libzmq's `lb_t` and
/// `fq_t`, the socket's own), each direction only where the type has it.
final class LoadBalancingRoom: SocketRoom {
    private let sends: Bool
    private let receives: Bool

    init(sends: Bool, receives: Bool) {
        self.sends = sends
        self.receives = receives
    }

    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome {
        guard sends else { throw SocketError.notSupported }
        guard message.frameCount > 0 else { throw SocketError.invalidMessage("a message needs at least one frame") }
        guard let pipe = socket.nextSendPipeLocked() else { return .blocked }
        return .queued(flush: socket.enqueue(message, from: 0, on: pipe))
    }

    func canSend(on socket: ZMTPSocket) -> Bool { !sends || socket.anyPipeHasRoomLocked() }

    func checkReceive() throws(SocketError) {
        guard receives else { throw SocketError.notSupported }
    }
}
