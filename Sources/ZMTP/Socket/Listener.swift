/// A listening TCP socket: accepts peers and hands each to a new PeerConnection, at most
/// `maxHandshakingConnections` of them in their handshake at once. At the cap it stops accepting
/// (its readable interest comes off) and the newcomers wait in the kernel's backlog; it accepts
/// again when a handshake ends, or evicts the stalest handshake to admit one once that one has
/// taken no step for `handshakeStallLimit`. A progressing handshake is never evicted.
/// Loop-confined.
final class Listener: IOHandler {
    let socket: ZMTPSocket
    let fd: Int32
    /// The bound endpoint, with the real port when port 0 was asked.
    let endpoint: Endpoint
    let admission: HandshakeAdmission
    /// Whether the listening fd's readable interest is on.
    private var accepting = true
    private var closed = false
    /// Set while accepting is suspended after an accept error.
    private var errorPause: TimerHandle?
    /// Wakes the listener when the stalest handshake becomes evictable.
    private var evictionTimer: TimerHandle?
    private var evictionAt: UInt64 = .max
    /// Set inside `ioReady`, which decides about accepting once it is done.
    private var inAcceptRound = false

    init(socket: ZMTPSocket, endpoint: Endpoint) throws {
        self.socket = socket
        let options = socket.options
        admission = HandshakeAdmission(loop: socket.loop, cap: options.maxHandshakingConnections,
                                       stallLimit: options.handshakeStallLimit.nanoseconds)
        let (fd, port) = try TCP.listen(endpoint, backlog: options.backlog)
        self.fd = fd
        self.endpoint = Endpoint(host: endpoint.host, port: port)
        do {
            try socket.loop.register(fd: fd, interest: .readable, handler: self)
        } catch {
            TCP.close(fd)
            throw error
        }
        admission.changed = { [weak self] in self?.updateAccepting() }
    }

    func ioReady(readable: Bool, writable: Bool) {
        assert(socket.loop.inLoop)
        inAcceptRound = true
        defer {
            inAcceptRound = false
            updateAccepting()
        }
        for round in 0..<64 {
            // At the cap, a stalled handshake makes room, but only on the first round: the
            // event says a connection waits, a later round may find none.
            if admission.isFull && (round > 0 || !admission.evictStalest()) { return }
            let accepted: (fd: Int32, peer: String)?
            do {
                accepted = try TCP.accept(fd)
            } catch {
                // Out of descriptors or similar: stop accepting for a moment instead of spinning.
                socket.logger.error("accept on \(endpoint) failed: \(error); pausing accepts for 100 ms")
                pauseAfterError()
                return
            }
            guard let (peerFD, peer) = accepted else { return }
            do {
                let connection = try PeerConnection(socket: socket, fd: peerFD, pipe: Pipe(persistent: false), peerName: peer, dialer: nil)
                admission.admit(connection)
                socket.emit(.accepted(peer: peer))
            } catch {
                socket.logger.error("could not serve \(peer): \(error)")
                TCP.close(peerFD)
            }
        }
    }

    /// Accepts while below the cap or while the stalest handshake is evictable; otherwise waits
    /// (with a timer for when the stalest one becomes evictable).
    func updateAccepting() {
        assert(socket.loop.inLoop)
        guard !closed, !inAcceptRound, errorPause == nil else { return }
        let due = admission.isFull ? admission.nextEviction : nil
        let open = !admission.isFull || due.map { $0 <= socket.loop.now } == true
        setAccepting(open)
        armEvictionTimer(at: open ? nil : due)
    }

    private func setAccepting(_ on: Bool) {
        guard on != accepting else { return }
        accepting = on
        do {
            try socket.loop.setInterest(fd: fd, on ? .readable : [])
        } catch {
            socket.logger.error("listener on \(endpoint): \(error)")
        }
    }

    private func armEvictionTimer(at deadline: UInt64?) {
        guard deadline != evictionAt else { return }
        if let evictionTimer { socket.loop.cancel(evictionTimer) }
        evictionTimer = nil
        evictionAt = deadline ?? .max
        guard let deadline else { return }
        evictionTimer = socket.loop.schedule(at: deadline) { [self] in
            evictionTimer = nil
            evictionAt = .max
            updateAccepting()
        }
    }

    /// Suspends accepting for 100 ms after an accept error.
    func pauseAfterError() {
        guard !closed, errorPause == nil else { return }
        setAccepting(false)
        armEvictionTimer(at: nil)
        errorPause = socket.loop.schedule(after: 100_000_000) { [self] in
            errorPause = nil
            updateAccepting()
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        // Timers hold the listener: cancelled, none can touch the fd number after it is closed.
        if let errorPause { socket.loop.cancel(errorPause) }
        if let evictionTimer { socket.loop.cancel(evictionTimer) }
        errorPause = nil
        evictionTimer = nil
        socket.loop.unregister(fd: fd)
        TCP.close(fd)
    }
}
