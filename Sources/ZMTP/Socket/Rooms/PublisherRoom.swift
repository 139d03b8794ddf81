@_spi(Engine) import ZMTPCore

/// PUB and XPUB: each message goes to every peer with a subscription that prefixes its first
/// frame (libzmq's `dist_t` over an `mtrie_t`, filtered here at the publisher). A peer whose
/// queue is full loses its copy, counted: a publisher never blocks. What peers send up is
/// subscriptions, in either wire form (the connections turn commands into 0x01/0x00
/// messages); XPUB hands them to the application as its `PublisherState` decides, and other
/// upstream messages too; PUB drops the rest.
///
/// Its state is only touched under the socket's lock, which is why dynamic exclusivity checks
/// are off for it (as for `Pipe`): they cost more than the rest of a send.
final class PublisherRoom: SocketRoom {
    @exclusivity(unchecked) private var state: PublisherState<ObjectIdentifier>
    @exclusivity(unchecked) private var drops: UInt64 = 0
    /// The ready peers in attach order (libzmq's `dist_t` pipes): a send every peer takes
    /// walks this, and no trie.
    @exclusivity(unchecked) private var attachedPipes: [Pipe] = []
    /// The same pipes by name, for the trie's matches.
    @exclusivity(unchecked) private var peers: [ObjectIdentifier: Pipe] = [:]
    /// Every peer subscribes to the empty topic (so every message goes to all of them), as of
    /// the last change of peers or subscriptions: the usual SUB, decided once rather than per send.
    @exclusivity(unchecked) private var everyPeerMatches = false
    /// Reused per send, so the hot path allocates no set or array.
    @exclusivity(unchecked) private var matching = Set<ObjectIdentifier>()
    @exclusivity(unchecked) private var matchingPipes: [Pipe] = []
    private let isXPUB: Bool

    init(type: SocketType, options: SocketOptions) {
        isXPUB = type == .xpub
        state = PublisherState(options: .init(reportsSubscriptions: isXPUB, verbose: options.xpubVerbose,
                                              manual: isXPUB && options.xpubManual,
                                              welcome: isXPUB ? options.xpubWelcomeMessage : nil))
    }

    var droppedMessages: UInt64 { drops }

    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome {
        guard message.frameCount > 0 else { throw SocketError.invalidMessage("a message needs at least one frame") }
        let sent: (flushes: [any PeerLink], dropped: Int)
        if everyPeerMatches || attachedPipes.count == 1 {
            // A lone peer matches at the first subscription that prefixes the topic.
            guard everyPeerMatches || state.anyPipe(matching: message.firstFrame) else { return .distributed(flushes: []) }
            sent = socket.distributeLocked(message, to: attachedPipes)
        } else {
            state.pipes(matching: message.firstFrame, into: &matching)
            for id in matching { if let pipe = peers[id] { matchingPipes.append(pipe) } }
            sent = socket.distributeLocked(message, to: matchingPipes)
            matchingPipes.removeAll(keepingCapacity: true)
        }
        drops += UInt64(sent.dropped)
        return .distributed(flushes: sent.flushes)
    }

    /// After any change of peers or subscriptions (every subscriber is an attached peer).
    private func subscriptionsChanged() {
        everyPeerMatches = !attachedPipes.isEmpty && state.subscriptions.peersMatchingEverything == attachedPipes.count
    }

    func checkReceive() throws(SocketError) {
        guard isXPUB else { throw SocketError.notSupported }
    }

    func attached(_ pipe: Pipe, on socket: ZMTPSocket) -> Bool {
        peers[ObjectIdentifier(pipe)] = pipe
        attachedPipes.append(pipe)
        subscriptionsChanged()
        if let welcome = state.options.welcome { [welcome].append(to: &pipe.outbound, from: 0) }
        return true
    }

    func detached(_ pipe: Pipe, on socket: ZMTPSocket) {
        let id = ObjectIdentifier(pipe)
        peers[id] = nil
        attachedPipes.removeAll { $0 === pipe }
        let notices = state.peerRemoved(id)
        subscriptionsChanged()
        guard !notices.isEmpty else { return }
        var batch = FramedMessages()
        for notice in notices { batch.append([notice.frame]) }
        socket.queueLocked(&batch, from: pipe)
    }

    func arrived(_ messages: inout FramedMessages, from pipe: Pipe, on socket: ZMTPSocket) -> FramedMessages? {
        let id = ObjectIdentifier(pipe)
        var batch = FramedMessages()
        while let message = messages.popMessage() {
            // Each frame on its own, as libzmq's xpub does: subscriptions are applied, the
            // other frames make up an upstream message.
            var upstream: [[UInt8]] = []
            for frame in message {
                if let subscription = Subscription(frame: frame[...]) {
                    if let notice = state.received(subscription, from: id) {
                        state.delivered(notice)
                        batch.append([notice.frame])
                    }
                } else {
                    upstream.append(frame)
                }
            }
            if isXPUB, !upstream.isEmpty { batch.append(upstream) }
        }
        subscriptionsChanged()
        return batch
    }

    func subscription(_ subscription: Subscription, on socket: ZMTPSocket) throws(SocketError) -> [any PeerLink] {
        guard state.options.manual else { throw SocketError.notSupported }
        state.applyManual(subscription)
        subscriptionsChanged()
        return []
    }
}
