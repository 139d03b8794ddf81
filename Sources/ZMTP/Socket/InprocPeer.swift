@_spi(Engine) import ZMTPCore

/// One end of an inproc link: two sockets of this process joined without a connection. Each
/// end serves its own socket's pipe for the other socket. Messages move from one socket's
/// outbound queue to the other's inbound queue as whole `FramedMessages` batches (a swap of
/// buffers, large bodies by reference): no encoding, no copy, no syscall. There is no ZMTP
/// handshake (as in libzmq): the ends attach at once, each taking the other socket's identity
/// option for a ROUTER's routing id.
///
/// An end pulls: on its own loop, while its socket may read (receive high-water mark, paused
/// reading), it takes what the partner queued and delivers it, as a connection reads its fd. So
/// the high-water marks hold across the link: once the receiver's queue is at its receive mark,
/// the sender's queue fills to its send mark and the sender blocks. Everything an end tells its
/// partner (something to pull, the link ended) runs on the partner's loop.
///
/// Loop-confined to its socket's loop: `partner` is set before either end starts, and from
/// then on only this end's loop reads or clears it (the partner's own fields it reaches are
/// constants, and its pipe is guarded by its socket's lock). References cross threads only
/// inside tasks queued to a loop, hence the unchecked Sendable.
final class InprocPeer: PeerLink, @unchecked Sendable {
    let socket: ZMTPSocket
    let pipe: Pipe
    let endpoint: Endpoint
    let acceptedOn: Endpoint?
    var readHeld = false
    var hasUnsentOutput: Bool { false }  // a pulled batch is delivered at once
    var peerName: String { endpoint.description }
    /// inproc has no security handshake and no network address, as in libzmq.
    var userID: String? { nil }
    var peerAddress: String? { nil }
    private var partner: InprocPeer?
    /// The connect that made this end (connecting side only), told when the link ends.
    private var connector: InprocConnector?
    private var attached = false
    private var isClosed = false
    /// The batch being handed over, kept for its buffers.
    @exclusivity(unchecked) private var batch = FramedMessages()

    /// Bytes of large frames taken per pull (small messages move as a whole queue).
    static let batchBytes = 256 << 10

    private init(socket: ZMTPSocket, pipe: Pipe, endpoint: Endpoint, acceptedOn: Endpoint?, connector: InprocConnector?) {
        self.socket = socket
        self.pipe = pipe
        self.endpoint = endpoint
        self.acceptedOn = acceptedOn
        self.connector = connector
    }

    /// Links `connector`'s socket with the socket bound to its name (any thread): each end
    /// starts on its own loop, the bound one first so it is attached before anything reaches it.
    static func link(_ connector: InprocConnector, to binder: ZMTPSocket) {
        let connecting = InprocPeer(socket: connector.socket, pipe: connector.pipe, endpoint: connector.endpoint,
                                    acceptedOn: nil, connector: connector)
        let bound = InprocPeer(socket: binder, pipe: Pipe(persistent: false), endpoint: connector.endpoint,
                               acceptedOn: connector.endpoint, connector: nil)
        connecting.partner = bound
        bound.partner = connecting
        let connectingIdentity = connector.socket.options.identity
        let boundIdentity = binder.options.identity
        bound.onOwnLoop { bound.start(peerIdentity: connectingIdentity) }
        connecting.onOwnLoop { connecting.start(peerIdentity: boundIdentity) }
    }

    /// Joins the socket, as a completed handshake does for a connection; the link ends at once
    /// if the socket closed, unbound the name or dropped the connect meanwhile.
    private func start(peerIdentity: [UInt8]) {
        assert(socket.loop.inLoop, "an inproc end starts on its socket's loop")
        guard !isClosed else { return }
        let gone = socket.lock.withLock { socket.isClosed }
            || (acceptedOn.map { !socket.inprocNames.contains($0) } ?? false)
            || connector?.accepts(self) == false
        if gone { return fail(reason: "the inproc endpoint went away before the link started", error: nil) }
        socket.connections[ObjectIdentifier(self)] = self
        attached = true
        socket.emit(acceptedOn.map { .accepted($0, peer: peerName) } ?? .connected(endpoint))
        socket.attach(self, metadata: Metadata(peerIdentity.isEmpty ? [] : [("Identity", peerIdentity)]))
        pull()
    }

    // MARK: PeerLink

    /// This socket queued messages: the partner pulls them.
    func flush() {
        assert(socket.loop.inLoop)
        guard !isClosed, let partner else { return }
        partner.onOwnLoop { partner.pull() }
    }

    func resumeReading() {
        pull()
    }

    func updateReadInterest() {
        pull()
    }

    func close(reason: String) {
        end(reason: .closedLocally(reason), last: nil)
    }

    func close(after message: [[UInt8]]?, deadline: UInt64) {
        end(reason: .closedLocally("closed by the application after its last message"), last: message)
    }

    func fail(reason: String, error: ZMTPError?) {
        end(reason: error.map { .protocolError($0) } ?? .connectionLost(reason), last: nil)
    }

    // MARK: Moving messages

    /// Takes and delivers the partner's queued messages while this socket may read, a bounded
    /// number of batches per call so one busy link does not starve the loop.
    private func pull() {
        assert(socket.loop.inLoop, "an inproc end pulls on its socket's loop")
        for _ in 0..<16 {
            guard attached, !isClosed, !readBlocked(), takeFromPartner() else { return }
            socket.metrics.messagesReceived.increment(by: batch.count)
            socket.deliver(&batch, from: pipe)
        }
        socket.loop.execute { self.pull() }
    }

    /// Moves the partner's queued messages into `batch`; false when there were none (which
    /// clears the partner's flush flag, so its next send asks for a pull again).
    private func takeFromPartner() -> Bool {
        guard let partner else { return false }
        let sender = partner.socket
        let (took, senders, lowWater): (Bool, [AsyncWaiter<Void>.Resumption], Bool) = sender.lock.withLock {
            guard !partner.pipe.outbound.isEmpty else {
                partner.pipe.flushScheduled = false
                return (false, [], false)
            }
            partner.pipe.outbound.moveWhole(to: &batch, limit: Self.batchBytes)
            return (true, sender.spaceFreedLocked(in: partner.pipe), sender.reachedLowWaterLocked(partner.pipe))
        }
        for s in senders { s.resume() }
        if took { sender.metrics.messagesSent.increment(by: batch.count) }
        if lowWater { partner.onOwnLoop { sender.lowWaterHandler?(partner.pipe.routingID) } }
        return took
    }

    /// Whether this socket must not take more now: the same reasons a connection stops reading.
    private func readBlocked() -> Bool {
        readHeld || socket.readingPaused.load(ordering: .relaxed) || socket.lock.withLock { pipe.readPaused }
    }

    // MARK: Ending

    /// Ends this end and tells the partner, handing it what this socket queued and the partner
    /// has not taken (as a libzmq pipe delivers what was written before it ended).
    private func end(reason: DisconnectReason, last message: [[UInt8]]?) {
        assert(socket.loop.inLoop)
        guard !isClosed else { return }
        isClosed = true
        nonisolated(unsafe) var unsent = socket.lock.withLock {
            var unsent = FramedMessages()
            pipe.outbound.moveWhole(to: &unsent)
            return unsent
        }
        if let message { unsent.append(message) }
        batch.removeAll()
        if attached {
            socket.connections[ObjectIdentifier(self)] = nil
            socket.detach(self)
            socket.emit(.disconnected(peer: peerName, reason: reason))
        }
        connector?.linkEnded()
        connector = nil
        if let partner {
            self.partner = nil
            nonisolated(unsafe) let handed = unsent
            partner.onOwnLoop { partner.partnerEnded(handed) }
        }
    }

    /// The partner ended: its last messages are delivered (past the high-water mark), then
    /// this end ends too.
    private func partnerEnded(_ last: FramedMessages) {
        assert(socket.loop.inLoop)
        guard !isClosed else { return }
        if attached {
            var last = last
            socket.deliver(&last, from: pipe)
        }
        partner = nil
        fail(reason: "inproc peer closed", error: nil)
    }

    /// Runs `body` on this end's loop: at once when already there.
    private func onOwnLoop(_ body: @escaping @Sendable () -> Void) {
        if socket.loop.inLoop { body() } else { socket.loop.execute(body) }
    }
}
