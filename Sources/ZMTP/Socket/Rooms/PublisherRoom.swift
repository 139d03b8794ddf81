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
    @exclusivity(unchecked) private var distributor = Distributor<ObjectIdentifier>()
    @exclusivity(unchecked) private var peers: [ObjectIdentifier: Pipe] = [:]
    /// Reused per send, so the hot path does not allocate a set.
    @exclusivity(unchecked) private var matching = Set<ObjectIdentifier>()
    private let isXPUB: Bool

    init(type: SocketType, options: SocketOptions) {
        isXPUB = type == .xpub
        state = PublisherState(options: .init(reportsSubscriptions: isXPUB, verbose: options.xpubVerbose,
                                              manual: isXPUB && options.xpubManual,
                                              welcome: isXPUB ? options.xpubWelcomeMessage : nil))
    }

    var droppedMessages: UInt64 { distributor.totalDrops }

    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome {
        guard message.frameCount > 0 else { throw SocketError.invalidMessage("a message needs at least one frame") }
        state.pipes(matching: message.firstFrame, into: &matching)
        var flushes: [any PeerLink] = []
        let before = distributor.totalDrops
        distributor.distribute(toPipes: matching) { id in
            guard let pipe = peers[id], pipe.isReady else { return true }  // leaving: not a drop
            guard pipe.hasRoom(socket.sendLimits) else { return false }
            if let flush = socket.enqueue(message, from: 0, on: pipe) { flushes.append(flush) }
            return true
        }
        if distributor.totalDrops > before { socket.metrics.droppedAtHighWaterMark.increment(by: Int(distributor.totalDrops - before)) }
        return .distributed(flushes: flushes)
    }

    func checkReceive() throws(SocketError) {
        guard isXPUB else { throw SocketError.notSupported }
    }

    func attached(_ pipe: Pipe, on socket: ZMTPSocket) -> Bool {
        peers[ObjectIdentifier(pipe)] = pipe
        if let welcome = state.options.welcome { [welcome].append(to: &pipe.outbound, from: 0) }
        return true
    }

    func detached(_ pipe: Pipe, on socket: ZMTPSocket) {
        let id = ObjectIdentifier(pipe)
        peers[id] = nil
        distributor.remove(id)
        let notices = state.peerRemoved(id)
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
        return batch
    }

    func subscription(_ subscription: Subscription, on socket: ZMTPSocket) throws(SocketError) -> [any PeerLink] {
        guard state.options.manual else { throw SocketError.notSupported }
        state.applyManual(subscription)
        return []
    }
}
