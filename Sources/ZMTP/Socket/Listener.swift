/// A listening TCP or Unix (ipc) socket: accepts peers and hands each to a new PeerConnection, at most
/// `maxHandshakingConnections` of them in their handshake at once. Past the cap, accepted
/// connections wait, untouched and in order, for a slot (`maxWaitingConnections` of them; when
/// that is full, the listener stops accepting and the kernel's backlog holds the rest). A slot
/// frees when a handshake ends, or when the stalest handshake has taken no step for
/// `handshakeStallLimit` while others wait: that one is evicted. A progressing handshake never
/// is. Loop-confined.
final class Listener: IOHandler {
    let socket: ZMTPSocket
    let fd: Int32
    /// The bound endpoint, with the real port when port 0 was asked.
    let endpoint: Endpoint
    let admission: HandshakeAdmission
    /// Accepted connections waiting for a handshake slot, oldest first.
    private var waiting = RingBuffer<(fd: Int32, peer: String)>()
    private let maxWaiting: Int
    /// Whether the listening fd's readable interest is on.
    private var accepting = true
    private var closed = false
    /// Set while accepting is suspended after an accept error.
    private var errorPause: TimerHandle?
    /// Wakes the listener when the stalest handshake becomes evictable.
    private var evictionTimer: TimerHandle?
    private var evictionAt: UInt64 = .max
    /// Set while `admitWaiting` runs: an eviction inside it frees a slot, which calls back.
    private var admitting = false

    init(socket: ZMTPSocket, endpoint: Endpoint) throws {
        self.socket = socket
        let options = socket.options
        admission = HandshakeAdmission(loop: socket.loop, cap: options.maxHandshakingConnections,
                                       stallLimit: options.handshakeStallLimit.nanoseconds)
        maxWaiting = max(1, options.maxWaitingConnections)  // a waiting one is what lets a stalled one be evicted
        if SocketAddress.unix(endpoint) != nil {
            fd = try UnixSocket.listen(endpoint, backlog: options.backlog)
            self.endpoint = endpoint
        } else {
            let (fd, port) = try TCP.listen(endpoint, backlog: options.backlog)
            self.fd = fd
            self.endpoint = Endpoint(host: endpoint.host, port: port)
        }
        do {
            try socket.loop.register(fd: fd, interest: .readable, handler: self)
        } catch {
            TCP.close(fd)
            throw error
        }
        admission.changed = { [weak self] in self?.slotsChanged() }
    }

    func ioReady(readable: Bool, writable: Bool) {
        assert(socket.loop.inLoop)
        for _ in 0..<64 {
            // An event handler called while admitting may have closed the socket.
            guard !closed else { return }
            guard waiting.count < maxWaiting || !admission.isFull else { break }
            let accepted: (fd: Int32, peer: String)?
            do {
                accepted = try TCP.accept(fd)
            } catch {
                // Out of descriptors or similar: stop accepting for a moment instead of spinning.
                socket.logger.error("accept on \(endpoint) failed: \(error); pausing accepts for 100 ms")
                pauseAfterError()
                break
            }
            guard let accepted else { break }
            waiting.append(accepted)
            admitWaiting()
        }
        slotsChanged()
    }

    /// Starts the handshakes of waiting connections while there are slots, evicting stalled
    /// handshakes to make them.
    private func admitWaiting() {
        guard !admitting else { return }
        admitting = true
        defer { admitting = false }
        while let next = waiting.first {
            if admission.isFull && !admission.evictStalest() { return }
            _ = waiting.popFirst()
            do {
                let connection = try PeerConnection(socket: socket, fd: next.fd, pipe: Pipe(persistent: false), peerName: next.peer, dialer: nil)
                connection.acceptedOn = endpoint
                admission.admit(connection)
                socket.emit(.accepted(endpoint, peer: next.peer))
            } catch {
                socket.logger.error("could not serve \(next.peer): \(error)")
                TCP.close(next.fd)
            }
        }
    }

    /// A slot freed or the stalest handshake changed: admits whom it can, then accepts while
    /// there is room to wait, with a timer for when the stalest handshake becomes evictable.
    func slotsChanged() {
        assert(socket.loop.inLoop)
        guard !closed, !admitting else { return }
        admitWaiting()
        setAccepting(errorPause == nil && (waiting.count < maxWaiting || !admission.isFull))
        armEvictionTimer(at: waiting.isEmpty ? nil : admission.nextEviction)
    }

    /// The flag follows what epoll holds: a failed re-enable (ENOMEM, ENOSPC in a storm) is
    /// retried after the error pause instead of leaving the listener deaf for good.
    private func setAccepting(_ on: Bool) {
        guard on != accepting else { return }
        do {
            try socket.loop.setInterest(fd: fd, on ? .readable : [])
            accepting = on
        } catch {
            socket.logger.error("listener on \(endpoint): \(error); retrying in 100 ms")
            if on { pauseAfterError() }
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
            slotsChanged()
        }
    }

    /// Suspends accepting for 100 ms after an accept error.
    func pauseAfterError() {
        guard !closed, errorPause == nil else { return }
        setAccepting(false)
        errorPause = socket.loop.schedule(after: 100_000_000) { [self] in
            errorPause = nil
            slotsChanged()
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
        while let next = waiting.popFirst() { TCP.close(next.fd) }
    }
}
