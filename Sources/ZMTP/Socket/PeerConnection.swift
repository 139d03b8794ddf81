@_spi(Engine) import ZMTPCore

/// One live TCP or ipc connection of a socket: the I/O shell around a sans-I/O `Connection`.
/// Loop-confined, except while an application thread has borrowed it through its `loan`
/// (PeerConnection+Loan.swift): every entry point from the loop enters the loan first, and the
/// work asserts that its thread holds the connection. References cross threads only inside
/// tasks queued to that loop or under the loan, hence the unchecked Sendable, and its state goes
/// without dynamic exclusivity checks, which cost more per message than the work they guard.
final class PeerConnection: PeerLink, IOHandler, @unchecked Sendable {
    /// Strong: a socket dropped without close() leaks its connections rather than crashing them.
    let socket: ZMTPSocket
    let fd: Int32
    let engine: Connection
    let pipe: Pipe
    let peerName: String
    /// Present when application threads may borrow the connection for their blocking calls:
    /// a lending socket type that serves no handler yet. Whether a call borrows is decided by
    /// `socket.servesHandler` alone; a connection made once a handler serves would never lend,
    /// so it goes without.
    let loan: ConnectionLoan?
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
    @exclusivity(unchecked) private(set) var timerDeadline: UInt64 = .max
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
    /// The read buffer of borrowers (the socket's belongs to the loop thread), made on first use.
    @exclusivity(unchecked) var borrowerBuffer: UnsafeMutableRawBufferPointer?

    /// Output above this stops pulling messages from the pipe until the kernel takes some.
    static let outputBatch = 256 << 10
    /// Reads per readable event and write rounds per flush (the loop's or a borrower's): the
    /// bound keeps one busy peer or sender from starving the loop's other connections.
    static let roundsPerTurn = 16
    /// The size of a read buffer: the loop's (the socket's) and a borrower's.
    static let readBufferSize = 64 << 10

    init(socket: ZMTPSocket, fd: Int32, pipe: Pipe, peerName: String, dialer: Dialer?) throws {
        self.socket = socket
        self.fd = fd
        self.pipe = pipe
        self.peerName = peerName
        self.dialer = dialer
        // Unlocked: `servesHandler` is written on this (the loop) thread only.
        loan = socket.type.lendsConnections && !socket.servesHandler ? ConnectionLoan() : nil
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
        loan?.watch = ConnectionLoan.Watch(loop: socket.loop, fd: fd, generation: socket.loop.generation(of: fd))
        socket.connections[ObjectIdentifier(self)] = self
        socket.metrics.connections.increment()
        // Entered as any loop work is, so that `rearmTimer` may assert it holds the connection
        // (no borrower can have it yet: it is in no pipe).
        if enterFromLoop(orWait: {}) {
            rearmTimer()
            loan?.exit()
        }
    }

    deinit { borrowerBuffer?.deallocate() }

    /// The loop is about to touch the connection: true when it may (then `loan?.exit()` after),
    /// false when an application thread has borrowed it (`work`, the same entry again, then
    /// runs once it is given back).
    @inline(__always)
    func enterFromLoop(orWait work: @autoclosure () -> () -> Void, event: IOInterest? = nil) -> Bool {
        assert(socket.loop.inLoop)
        return loan?.enter(orWait: work(), event: event) ?? true
    }

    /// The calling thread holds the connection: the loop inside it, or its borrower.
    @inline(__always)
    func assertOwner() {
        assert(loan?.isHeldByCurrentThread(loopThread: socket.loop.inLoop) ?? socket.loop.inLoop)
    }

    /// Set once the handshake completed; the engine's state says closed after any error.
    @exclusivity(unchecked) private(set) var handshakeDone = false
    var isHandshaking: Bool { !handshakeDone && !isClosed }
    var hasUnsentOutput: Bool {
        // Lent: the borrower gives it back at once, and the next look sees.
        guard enterFromLoop(orWait: {}) else { return true }
        defer { loan?.exit() }
        return engine.hasOutput && !isHandshaking
    }

    func ioReady(readable: Bool, writable: Bool) {
        guard enterFromLoop(orWait: { self.ioReady(readable: readable, writable: writable) },
                            event: writable ? .writable : .readable) else { return }
        defer { loan?.exit() }
        if readable {
            if let admission { queueAdmittedInput(admission) } else { readAvailable() }
        }
        if !isClosed, writable || engine.hasOutput { flush() }
    }

    func readAvailable() {
        assertOwner()
        defer { reportTraffic() }
        for _ in 0..<PeerConnection.roundsPerTurn {
            if isClosed || readBlocked() { break }
            let outcome = readStep(into: socket.readBuffer, now: socket.loop.now)
            deliverReceived()  // what was decoded before an error too
            switch outcome {
            case .more: continue
            case .drained: return afterInput()
            case .failed(let reason, let error): return fail(reason: reason, error: error)
            }
        }
        afterInput()
    }

    /// How one read went, for whoever reads (the loop or a borrower).
    enum ReadOutcome {
        /// The buffer filled: more may be waiting.
        case more
        /// The socket is drained for now.
        case drained
        /// The connection ended: what `fail` reports.
        case failed(reason: String, error: ZMTPError?)
    }

    /// One read (`readOnce`) and what it means for the connection.
    func readStep(into buffer: UnsafeMutableRawBufferPointer, now: UInt64) -> ReadOutcome {
        do {
            switch try readOnce(into: buffer, now: now) {
            case .bytes(let n): return n == 0 ? .drained : .more
            case .wouldBlock: return .drained
            case .eof: return .failed(reason: "peer closed the connection", error: nil)
            }
        } catch let error as ZMTPError {
            return .failed(reason: error.description, error: error)
        } catch {
            return .failed(reason: "\(error)", error: nil)
        }
    }

    /// One read: straight into a large frame's body when one is arriving; the next large frame's
    /// header and envelope, then its body, when the engine expects one; else into `buffer` (the
    /// loop's or the borrower's). A short read reports 0 so the caller stops (the socket is
    /// drained).
    func readOnce(into buffer: UnsafeMutableRawBufferPointer, now: UInt64) throws -> TCP.ReadResult {
        assertOwner()
        var result = TCP.ReadResult.wouldBlock
        let direct = try engine.receiveDirect(now: now) { target in
            result = try TCP.read(fd, into: target)
            if case .bytes(let n) = result {
                unreported.bytesIn += n
                return n
            }
            return 0
        }
        if direct != nil { return result }
        var wanted = 0
        let ahead = try engine.receiveAhead(now: now) { head, body in
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
        result = try TCP.read(fd, into: buffer)
        if case .bytes(let n) = result {
            unreported.bytesIn += n
            try engine.receive(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), now: now)
            if n < buffer.count { return .bytes(0) }
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
        guard enterFromLoop(orWait: { self.resumeReading() }) else { return }
        defer { loan?.exit() }
        updateReadInterest()
    }

    /// Moves the pipe's queued messages into the engine and writes what the kernel takes, for as
    /// long as senders keep queueing and the kernel keeps taking. `flushScheduled` stays set
    /// until a look under the lock finds the queue empty, so senders queue no flush task while
    /// this runs; when the kernel is full, the next writable event brings it back. A bounded
    /// number of rounds per call keeps a sender that never pauses from starving the loop's other
    /// connections: past it, a task comes back after them.
    func flush() {
        guard enterFromLoop(orWait: { self.flush() }) else { return }
        defer { loan?.exit() }
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
                // A request or reply went out: an answer may follow.
                if try writeOutput() { socket.loop.expectActivity() }
            } catch {
                return fail(reason: "\(error)", error: nil)
            }
        } while again && rounds < PeerConnection.roundsPerTurn && !engine.hasOutput && engine.state == .traffic
        if again && !engine.hasOutput && engine.state == .traffic { socket.scheduleFlush(self) }
        setInterest(engine.hasOutput ? interest.union(.writable) : interest.subtracting(.writable))
        if owedPaused { updateReadInterest() }
        if closingTimer != nil && !engine.hasOutput { close(reason: "closed by the application after its last message") }
    }

    /// Writes the engine's output until it is all written or the kernel takes no more (the
    /// loop's flush and a borrower's send alike); whether any of it went.
    func writeOutput() throws -> Bool {
        assertOwner()
        var any = false
        while engine.hasOutput {
            var wrote = 0
            try engine.drainOutput { bytes in
                wrote = try TCP.write(fd, bytes)
                return wrote
            }
            if wrote == 0 { break }
            unreported.bytesOut += wrote
            any = true
        }
        return any
    }

    /// Takes the queued messages and encodes them (loop thread); nil if the connection failed.
    private func takeQueued() -> Bool? {
        do {
            let (took, lowWater) = try encodeQueued()
            // Last: the handler may send, resume or close other peers (or this one).
            if lowWater { socket.lowWaterHandler?(pipe.routingID) }
            return took
        } catch {
            fail(reason: "\(error)", error: error as? ZMTPError)
            return nil
        }
    }

    /// Takes the queued messages (by a swap of buffers; large ones a batch of output at a
    /// time) and encodes them outside the lock. Returns whether there were any (an empty queue
    /// clears `flushScheduled`) and whether a watched pipe reached its low-water mark.
    func encodeQueued() throws -> (took: Bool, lowWater: Bool) {
        assertOwner()
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
        try engine.send(&sending)
        return (took, lowWater)
    }

    private func handshakeComplete(_ metadata: Metadata) {
        handshakeDone = true
        socket.metrics.connectionsOpened.increment()
        releaseAdmission(completed: true)
        socket.attach(self, metadata: metadata)
        dialer?.handshakeSucceeded()
    }

    func setInterest(_ next: IOInterest) {
        assert(socket.loop.inLoop)
        assertOwner()
        guard next != interest, !isClosed else { return }
        interest = next
        do { try socket.loop.setInterest(fd: fd, next) } catch { fail(reason: "\(error)", error: nil) }
    }

    private func releaseAdmission(completed: Bool) {
        admission?.release(completed: completed)
        admission = nil
    }

    /// Keeps one loop timer at the engine's earliest deadline; later deadlines wait for it.
    func rearmTimer() {
        assert(socket.loop.inLoop)
        assertOwner()
        guard let deadline = engine.nextDeadline else { return }
        guard deadline < timerDeadline else { return }
        if let timer { socket.loop.cancel(timer) }
        timerDeadline = deadline
        timer = socket.loop.schedule(at: deadline) { self.timerFired() }  // cancelled in teardown
    }

    private func timerFired() {
        guard enterFromLoop(orWait: { self.timerFired() }) else { return }
        defer { loan?.exit() }
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
        guard enterFromLoop(orWait: { self.fail(reason: reason, error: error) }) else { return }
        defer { loan?.exit() }
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
        guard enterFromLoop(orWait: { self.close(reason: reason) }) else { return }
        defer { loan?.exit() }
        guard !isClosed else { return }
        teardown()
        dialer = nil
        socket.logger.debug("closed connection to \(peerName): \(reason)")
        socket.emit(.disconnected(peer: peerName, reason: .closedLocally(reason)))
    }

    /// Writes what the engine left (an ERROR command), releases the fd and detaches the pipe.
    private func teardown() {
        assertOwner()
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
