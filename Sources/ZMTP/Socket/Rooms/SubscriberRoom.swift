@_spi(Engine) import ZMTPCore

/// SUB and XSUB: the application's subscriptions, counted in a `SubscriptionTrie`, go to every
/// publisher as 0x01/0x00 messages (a SUB's connections send them as commands to ZMTP 3.1
/// peers), and are sent again in full to each new or reconnected publisher. SUB keeps only
/// the messages a subscription prefixes; XSUB keeps everything, and sends what its
/// application sends to every publisher, subscriptions (0x01/0x00 first byte) updating its trie.
/// A full publisher queue drops what was sent to it, counted; these sockets never block.
///
/// Its state is only touched under the socket's lock, which is why dynamic exclusivity checks
/// are off for it (as for `PublisherRoom`).
final class SubscriberRoom: SocketRoom {
    @exclusivity(unchecked) private var trie = SubscriptionTrie()
    @exclusivity(unchecked) private var drops: UInt64 = 0
    private let isXSUB: Bool

    init(type: SocketType) {
        isXSUB = type == .xsub
    }

    var droppedMessages: UInt64 { drops }

    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome {
        guard isXSUB else { throw SocketError.notSupported }
        guard message.frameCount > 0 else { throw SocketError.invalidMessage("a message needs at least one frame") }
        if message.frameCount == 1, let subscription = Subscription(frame: message.firstFrame) {
            guard trie.apply(subscription) else { return .dropped }
        }
        return .distributed(flushes: send(message, on: socket))
    }

    func subscription(_ subscription: Subscription, on socket: ZMTPSocket) throws(SocketError) -> [any PeerLink] {
        guard !isXSUB else { throw SocketError.notSupported }
        guard trie.apply(subscription) else { return [] }
        return send([subscription.frame], on: socket)
    }

    func attached(_ pipe: Pipe, on socket: ZMTPSocket) -> Bool {
        // A reconnect's unsent subscriptions are replaced by the whole set, once each (libzmq's hiccup).
        pipe.outbound.removeAll()
        for subscription in trie.resubscriptions() { [subscription.frame].append(to: &pipe.outbound, from: 0) }
        return true
    }

    func arrived(_ messages: inout FramedMessages, from pipe: Pipe, on socket: ZMTPSocket) -> FramedMessages? {
        // A batch that all matches is queued as it is, and with the empty subscription it does
        // without a look at any message.
        guard !isXSUB, !trie.matchesEverything else { return nil }
        guard !messages.allMessages(firstFrame: { trie.matches($0) }) else { return nil }
        var batch = FramedMessages()
        while let message = messages.popMessage() {
            if trie.matches(message[0][...]) { batch.append(message) }
        }
        return batch
    }

    /// Sends `message` to every ready publisher with room; the others lose it, counted.
    private func send<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) -> [any PeerLink] {
        let (flushes, dropped) = socket.distributeLocked(message, to: socket.pipes)
        drops += UInt64(dropped)
        return flushes
    }
}
