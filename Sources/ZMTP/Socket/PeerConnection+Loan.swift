import Glibc
@_spi(Engine) import ZMTPCore

extension SocketType {
    /// Types whose blocking send and receive may do their connection's I/O on the caller's
    /// thread (the request-reply and pipeline types, usually with one peer).
    var lendsConnections: Bool {
        switch self {
        case .dealer, .req, .rep, .pair, .push, .pull: true
        default: false
        }
    }
}

/// A blocking call's I/O on its own thread: a send on an idle pipe writes its message at once,
/// and the only receiver of a one-peer socket reads its reply, each with the connection
/// borrowed from the loop (ConnectionLoan). Without it a round trip crosses threads twice
/// (the caller queues and wakes the loop, which writes; the loop reads and wakes the caller).
/// What the borrower cannot finish (a partial write, a failure, a changed read interest or
/// timer) it hands to the loop before it gives the connection back, and the loop runs it
/// before anyone may borrow again.
extension PeerConnection {
    /// Application thread, after its send queued on an idle pipe (`flushScheduled` set for
    /// it): encodes and writes the queue here, else the loop flushes as before.
    func flushOnCaller() {
        guard let loan, loan.borrow() else { return socket.scheduleFlush(self) }
        if !(usableByBorrower && writeQueuedByBorrower()) { loan.handToLoop { self.flush() } }
        giveBack(loan)
    }

    /// Application thread, in a blocking receive that found nothing queued when the socket's
    /// delivery count was `seen`: reads and decodes here until a message is queued, `deadline`
    /// passes, or the loop wants the connection.
    func readOnCaller(until deadline: UInt64?, after seen: Int) {
        guard let loan, loan.borrow(forReading: true) else { return }
        defer {
            socket.lock.withLock { if socket.readingLender === self { socket.readingLender = nil } }
            giveBack(loan)
        }
        // The loop may have delivered since the receive looked; it cannot any more on this
        // connection, and a delivery on another pipe (a peer that came since) or a handler
        // installed (`serve`) from now on recalls the loan.
        let fresh = socket.lock.withLock {
            guard socket.arrivals.load(ordering: .acquiring) == seen, !socket.servesHandler else { return false }
            socket.readingLender = self
            return true
        }
        guard fresh, usableByBorrower, !engine.hasOutput, !readBlocked(), let wake = loan.startReading() else { return }
        readByBorrower(wake: wake, loan: loan, until: deadline)
        guard loan.stopReading(interest: interest) else {
            return loan.handToLoop { self.fail(reason: "the loop's watch of the connection could not restart", error: nil) }
        }
        // The loop's read interest, timer and writes follow what was read here.
        if engine.hasOutput || readBlocked() || (engine.nextDeadline ?? .max) < timerDeadline {
            loan.handToLoop { self.settleAfterLoan() }
        }
    }

    /// What the loop does after a loan that left it work: read interest, timer, writes.
    private func settleAfterLoan() {
        guard enterFromLoop(orWait: { self.settleAfterLoan() }) else { return }
        defer { loan?.exit() }
        guard !isClosed else { return }
        updateReadInterest()
        rearmTimer()
        flush()
    }

    /// Handshake done, not closing: the traffic a borrower may carry.
    private var usableByBorrower: Bool {
        assertOwner()
        return !isClosed && handshakeDone && engine.state == .traffic && closingTimer == nil && admission == nil
    }

    private func giveBack(_ loan: ConnectionLoan) {
        reportTraffic()
        guard loan.giveBack(), !socket.loop.execute({ self.runWaiting(loan) }) else { return }
        // A shut-down loop refused what waited (a closing socket's close among it): it runs here.
        socket.loop.runStopped { runWaiting(loan) }
    }

    /// Loop thread: the work that waited for the loan's end.
    private func runWaiting(_ loan: ConnectionLoan) {
        guard !loan.runWaiting(interest: { interest }) else { return }
        fail(reason: "the loop's watch of the connection could not restart", error: nil)
    }

    /// Encodes and writes the pipe's queue until it is empty (which clears `flushScheduled`);
    /// false when the loop's flush must go on (the kernel took only part, a write failed, a
    /// long queue). An encoding error is handed to the loop as the connection's failure, and
    /// counts as done (true).
    private func writeQueuedByBorrower() -> Bool {
        for _ in 0..<PeerConnection.roundsPerTurn {
            let took: Bool
            do {
                let (queued, lowWater) = try encodeQueued()
                took = queued
                if lowWater { loan?.handToLoop { self.socket.lowWaterHandler?(self.pipe.routingID) } }
            } catch {
                loan?.handToLoop { self.fail(reason: "\(error)", error: error as? ZMTPError) }
                return true
            }
            guard writeOutputByBorrower() else { return false }
            if !took { return true }
        }
        return false
    }

    /// Writes the engine's output; false when the kernel did not take all of it or the write
    /// failed (the loop's flush then goes on, and meets the error itself).
    private func writeOutputByBorrower() -> Bool {
        guard (try? writeOutput()) != nil else { return false }
        return !engine.hasOutput
    }

    /// Polls the connection (with the loop's watch stopped) and the loan's wake-up fd, reading
    /// and decoding what comes, until a message is queued for the application, `deadline`, an
    /// end of the connection (handed to the loop) or loop work waiting.
    private func readByBorrower(wake: Int32, loan: ConnectionLoan, until deadline: UInt64?) {
        let buffer = borrowerBuffer ?? UnsafeMutableRawBufferPointer.allocate(byteCount: PeerConnection.readBufferSize, alignment: 16)
        borrowerBuffer = buffer
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while !loan.isWanted {
            // Whole milliseconds: the last one (or less) is left to the receive's own wait,
            // which keeps to the nanosecond.
            var timeout: Int32 = -1
            if let deadline {
                let now = monotonicNow()
                guard deadline > now, deadline - now >= 1_000_000 else { return }
                timeout = Int32(clamping: (deadline - now) / 1_000_000)
            }
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR { return }
            if ready <= 0 { continue }
            if fds[1].revents != 0 {
                loan.drainWake()
                continue
            }
            guard fds[0].revents != 0 else { continue }
            if readOnceByBorrower(into: buffer, loan: loan) { return }
        }
    }

    /// One read by the borrower, as `readAvailable` does it on the loop: true when it ended the
    /// wait (a message queued, the connection ended, output the kernel would not take).
    private func readOnceByBorrower(into buffer: UnsafeMutableRawBufferPointer, loan: ConnectionLoan) -> Bool {
        let outcome = readStep(into: buffer, now: monotonicNow())
        let delivered = deliverByBorrower()  // what was decoded before an error too
        if case .failed(let reason, let error) = outcome {
            loan.handToLoop { self.fail(reason: reason, error: error) }
            return true
        }
        // A heartbeat PING read here owes its PONG now.
        if engine.hasOutput && !writeOutputByBorrower() { return true }
        return delivered || readBlocked()
    }

    /// Queues what the last read decoded for the application; whether there was any.
    private func deliverByBorrower() -> Bool {
        assertOwner()
        let count = engine.takeReceived { received in
            guard socket.queueForApplication(&received, from: pipe) == nil else { return }
            // A handler was installed while this thread read: the loop calls it with them.
            var batch = FramedMessages()
            swap(&batch, &received)
            loan?.handToLoop { self.socket.deliver(&batch, from: self.pipe) }
        }
        unreported.messagesIn += count
        return count > 0
    }
}
