/// ROUTER: each message goes to the peer its first frame names (the socket's routing table,
/// which its flow-control calls share); a message to an unknown or full peer is dropped, or
/// refused with `routerMandatory`. Never blocks.
final class RouterRoom: SocketRoom {
    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome {
        guard message.frameCount >= 2 else {
            throw SocketError.invalidMessage("a ROUTER message needs a routing-id frame and at least one more frame")
        }
        return try socket.routeTo(message.routingID, message, from: 1)
    }
}
