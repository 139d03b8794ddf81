@_spi(Engine) import ZMTPCore

/// One live TCP or ipc connection of a socket: the I/O shell around a sans-I/O `Connection`.
/// Loop-confined: every method runs on the socket's loop thread (asserted where work enters:
/// reads, flushes). References cross threads only inside tasks queued to that loop, hence the
/// unchecked Sendable, and its state goes without dynamic exclusivity checks, which cost more per
/// message than the work they guard.
final class PeerConnection: PeerLink, IOHandler, @unchecked Sendable {
    /// Strong: a socket dropped without close() leaks its connections rather than crashing them.
    let socket: ZMTPSocket
    let fd: Int32
    let engine: Connection
    let pipe: Pipe
    let peerName: String
    /// The peer's numeric IP address without the port ("Peer-Address"); nil when unknown.
    let peerAddress: String?
    var userID: String? { engine.mechanism.userID }
    /// Set for outgoing connections, so a lost connection is redialed. Strong, not weak: a weak
    /// reference anywhere to a hot object moves all its reference counting to a slow path.
    private(set) var dialer: Dialer?
    /// The listener's endpoint, for an accepted connection.
    var acceptedOn: Endpoint?
    /// Set while an accepted connection is in its handshake (see HandshakeAdmission).
    @exclusivity(unchecked) var admission: AdmissionTicket?
    @exclusivity(unchecked) private(set) var interest: IOInterest = [.readable, .writable]
    /// The pipe's queued messages while this connection encodes them (outside the lock).
    @exclusivity(unchecked) private var sending = FramedMessages()
    @exclusivity(unchecked) private var timer: TimerHandle?
    @exclusivity(unchecked) private var timerDeadline: UInt64 = .max
    @exclusivity(unchecked) private(set) var isClosed = false
    /// Flow control (PeerConnection+Flow.swift): the application paused reading from this
    /// peer; reading is paused because `maxOwedBytes` are owed to it; the connection closes
    /// once its final message is written (or at the timer).
    @exclusivity(unchecked) var readHeld = false
    @exclusivity(unchecked) var owedPaused = false
    @exclusivity(unchecked) var closingTimer: TimerHandle?
    let maxOwedBytes: Int
    /// Traffic not yet added to the socket's metrics (PeerConnection+Metrics.swift); updated
    /// per read and write, so without dynamic exclusivity checks.
    @exclusivity(unchecked) var unreported = TrafficTally()

    /// Output above this stops pulling messages from the pipe until the kernel takes some.
    static let outputBatch = 256 << 10

    init(socket: ZMTPSocket, fd: Int32, pipe: Pipe, peerName: String, dialer: Dialer?) throws {
        self.socket = socket
        self.fd = fd
        self.pipe = pipe
        self.peerName = peerName
        self.dialer = dialer
        maxOwedBytes = socket.options.maxOwedBytes
        let type = socket.type
        peerAddress = (try? SocketAddress.of(fd, peer: true).get())?.host
        let context = HandshakeContext(localMetadata: type.metadata(identity: socket.options.identity),
                                       validatePeer: type.peerValidator(),
                                       authenticationDomain: socket.options.authenticationDomain,
                                       peerAddress: peerAddress ?? "")
        engine = Connection(mechanism: socket.options.security.makeMechanism(context),
                            options: socket.options.connection, now: socket.loop.now)
        // Strong captures (unowned costs an atomic slow path per message); teardown breaks the cycle.
        engine.onReady = { metadata in self.handshakeComplete(metadata) }
        engine.reuseLargeBody = { [socket] size in socket.spareLargeBody(atLeast: size) }
        engine.recycleLargeBody = { [socket] body in socket.keepLargeBodies([body]) }
        try socket.loop.register(fd: fd, interest: interest, handler: self)
        socket.connections[ObjectIdentifier(self)] = self
        socket.metrics.connections.increment()
        rearmTimer()
    }

    /// Set once the handshake completed; the engine's state says closed after any error.
    @exclusivity(unchecked) private(set) var handshakeDone = false
    var isHandshaking: Bool { !handshakeDone && !isClosed }
    var hasUnsentOutput: Bool { engine.hasOutput && !isHandshaking }

    func ioReady(readable: Bool, writable: Bool) {
        if readable {
            if let admission { queueAdmittedInput(admission) } else { readAvailable() }
        }
        if !isClosed, writable || engine.hasOutput { flush() }
    }

    func readAvailable() {
        assert(socket.loop.inLoop)
        defer { reportTraffic() }
        // A bounded number of reads per wake keeps one busy peer from starving the others.
        for _ in 0..<16 {
            if isClosed || readBlocked() { break }
            do {
                defer { deliverReceived() }
                switch try readOnce() {
                case .bytes(let n):
                    if n == 0 { return afterInput() }
                case .wouldBlock:
                    return afterInput()
                case .eof:
                    return fail(reason: "peer closed the connection", error: nil)
                }
            } catch let error as ZMTPError {
                return fail(reason: error.description, error: error)
            } catch {
                return fail(reason: "\(error)", error: nil)
            }
        }
        afterInput()
    }

    /// One read: straight into a large frame's body when one is arriving; the next large frame's
    /// header and envelope, then its body, when the engine expects one; else into the shared
    /// read buffer. A short read reports 0 so the caller stops (the socket is drained).
    private func readOnce() throws -> TCP.ReadResult {
        var result = TCP.ReadResult.wouldBlock
        let direct = try engine.receiveDirect(now: socket.loop.now) { target in
            result = try TCP.read(fd, into: target)
            if case .bytes(let n) = result {
                unreported.bytesIn += n
                return n
            }
            return 0
        }
        if direct != nil { return result }
        var wanted = 0
        let ahead = try engine.receiveAhead(now: socket.loop.now) { head, body in
            wanted = head.count + body.count
            result = try TCP.read(fd, into: head, then: body)
            if case .bytes(let n) = result {
                unreported.bytesIn += n
                return n
            }
            return 0
        }
        if ahead != nil {
            if case .bytes(let n) = result, n < wanted { return .bytes(0) }
            return result
        }
        result = try TCP.read(fd, into: socket.readBuffer)
        if case .bytes(let n) = result {
            unreported.bytesIn += n
            try engine.receive(UnsafeRawBufferPointer(rebasing: socket.readBuffer[0..<n]), now: socket.loop.now)
            if n < socket.readBuffer.count { return .bytes(0) }
        }
        return result
    }

    /// Hands the messages of one read to the socket in one batch (one lock, one wake-up).
    private func deliverReceived() {
        unreported.messagesIn += engine.takeReceived { socket.deliver(&$0, from: pipe) }
    }

    private func afterInput() {
        guard !isClosed else { return }
        updateReadInterest()
        rearmTimer()
    }

    /// Reading was paused at the receive high-water mark and the application caught up.
    func resumeReading() {
        updateReadInterest()
    }

    /// Moves the pipe's queued messages into the engine and writes what the kernel takes, for as
    /// long as senders keep queueing and the kernel keeps taking. `flushScheduled` stays set
    /// until a look under the lock finds the queue empty, so senders queue no flush task while
    /// this runs; when the kernel is full, the next writable event brings it back. A bounded
    /// number of rounds per call keeps a sender that never pauses from starving the loop's other
    /// connections: past it, a task comes back after them.
    func flush() {
        assert(socket.loop.inLoop)
        defer { reportTraffic() }
        var again = false
        var rounds = 0
        repeat {
            guard !isClosed else { return }
            again = true
            rounds += 1
            if engine.state == .traffic && engine.outputCount < PeerConnection.outputBatch {
                guard let took = takeQueued() else { return }
                again = took
            }
            do {
                while engine.hasOutput {
                    var wrote = 0
                    try engine.drainOutput { bytes in
                        wrote = try TCP.write(fd, bytes)
                        return wrote
                    }
                    if wrote == 0 { break }
                    unreported.bytesOut += wrote
                    socket.loop.expectActivity()  // a request or reply went out: an answer may follow
                }
            } catch {
                return fail(reason: "\(error)", error: nil)
            }
        } while again && rounds < 16 && !engine.hasOutput && engine.state == .traffic
        if again && !engine.hasOutput && engine.state == .traffic { socket.scheduleFlush(self) }
        setInterest(engine.hasOutput ? interest.union(.writable) : interest.subtracting(.writable))
        if owedPaused { updateReadInterest() }
        if closingTimer != nil && !engine.hasOutput { close(reason: "closed by the application after its last message") }
    }

    /// Takes the queued messages (by a swap of buffers; large ones a batch of output at a
    /// time) and encodes them outside the lock. Returns whether there were any (an empty queue clears
    /// `flushScheduled`), nil if the connection failed.
    private func takeQueued() -> Bool? {
        let budget = PeerConnection.outputBatch - engine.outputCount
        let (took, senders, lowWater): (Bool, [AsyncWaiter<Void>.Resumption], Bool) = socket.lock.withLock {
            guard !pipe.outbound.isEmpty else {
                pipe.flushScheduled = false
                return (false, [], false)
            }
            pipe.outbound.moveWhole(to: &sending, limit: budget)
            return (true, socket.spaceFreedLocked(in: pipe), socket.reachedLowWaterLocked(pipe))
        }
        for s in senders { s.resume() }
        unreported.messagesOut += sending.count
        do {
            try engine.send(&sending)
            // Last: the handler may send, resume or close other peers (or this one).
            if lowWater { socket.lowWaterHandler?(pipe.routingID) }
            return took
        } catch {
            fail(reason: "\(error)", error: error as? ZMTPError)
            return nil
        }
    }

    private func handshakeComplete(_ metadata: Metadata) {
        handshakeDone = true
        socket.metrics.connectionsOpened.increment()
        releaseAdmission(completed: true)
        socket.attach(self, metadata: metadata)
        dialer?.handshakeSucceeded()
    }

    func setInterest(_ next: IOInterest) {
        guard next != interest, !isClosed else { return }
        interest = next
        do { try socket.loop.setInterest(fd: fd, next) } catch { fail(reason: "\(error)", error: nil) }
    }

    private func releaseAdmission(completed: Bool) {
        admission?.release(completed: completed)
        admission = nil
    }

    /// Keeps one loop timer at the engine's earliest deadline; later deadlines wait for it.
    private func rearmTimer() {
        guard let deadline = engine.nextDeadline else { return }
        guard deadline < timerDeadline else { return }
        if let timer { socket.loop.cancel(timer) }
        timerDeadline = deadline
        timer = socket.loop.schedule(at: deadline) { self.timerFired() }  // cancelled in teardown
    }

    private func timerFired() {
        timer = nil
        timerDeadline = .max
        guard !isClosed else { return }
        do {
            try engine.tick(now: socket.loop.now)
        } catch let error as ZMTPError {
            return fail(reason: error.description, error: error)
        } catch {
            return fail(reason: "\(error)", error: nil)
        }
        flush()
        rearmTimer()
    }

    /// Closes the connection because of the peer or a protocol error: reports it and lets the
    /// dialer reconnect.
    func fail(reason: String, error: ZMTPError?) {
        guard !isClosed else { return }
        let wasHandshaking = isHandshaking
        teardown()
        if wasHandshaking {
            let failure = error ?? .closedDuringHandshake(reason)
            socket.handshakeCounters.record(failure)
            socket.metrics.handshakeFailed(failure)
            if case .incompatibleSocketType = failure {
                // A configuration error worth a line: the dialer's backoff keeps it to a few.
                socket.logger.warning("refused \(peerName): \(failure)")
            } else {
                // Debug only: under a reconnect storm or a flood this would be a line per
                // connection (the event lets the application summarise).
                socket.logger.debug("handshake with \(peerName) failed: \(failure)")
            }
            socket.emit(.handshakeFailed(peer: peerName, error: failure))
        } else {
            socket.logger.debug("connection to \(peerName) closed: \(reason)")
            socket.emit(.disconnected(peer: peerName, reason: error.map { .protocolError($0) } ?? .connectionLost(reason)))
        }
        dialer?.connectionLost(handshakeFailed: wasHandshaking)
        dialer = nil
    }

    /// Closes the connection on our own initiative (socket closed, identity handed over).
    func close(reason: String) {
        guard !isClosed else { return }
        teardown()
        dialer = nil
        socket.logger.debug("closed connection to \(peerName): \(reason)")
        socket.emit(.disconnected(peer: peerName, reason: .closedLocally(reason)))
    }

    /// Writes what the engine left (an ERROR command), releases the fd and detaches the pipe.
    private func teardown() {
        releaseAdmission(completed: false)
        engine.close()
        engine.onReady = { _ in }
        engine.reuseLargeBody = { _ in nil }
        engine.recycleLargeBody = { _ in }
        try? engine.drainOutput { try TCP.write(fd, $0) }
        isClosed = true
        if let timer { socket.loop.cancel(timer) }
        if let closingTimer { socket.loop.cancel(closingTimer) }
        socket.loop.unregister(fd: fd)
        TCP.close(fd)
        socket.connections[ObjectIdentifier(self)] = nil
        socket.metrics.connections.decrement()
        socket.detach(self)
    }
}
