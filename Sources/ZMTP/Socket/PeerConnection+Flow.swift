@_spi(Engine) import ZMTPCore

/// Whether a connection reads: one place weighs every reason to stop (whichever thread holds
/// the connection: the loop, or a borrower).
extension PeerConnection {
    /// True while reading must wait: the receive queue is at its high-water mark, the
    /// application paused this peer or the whole socket, more than `maxOwedBytes` are owed to it (until they are
    /// down to half), or the connection is closing after its last message.
    ///
    /// Owed: the encoded output not yet written, plus the queued messages once the queue is at
    /// or past its high-water mark. Below the mark the senders are bounded by it (and a sender
    /// that blocks there may be waiting for this very peer to read: pausing it then could
    /// deadlock the two); past it, only a send that ignores the mark put them there.
    func readBlocked() -> Bool {
        assertOwner()
        if readHeld || socket.readingPaused.load(ordering: .relaxed) || closingTimer != nil { return true }
        let (paused, queued) = socket.lock.withLock {
            (pipe.readPaused, pipe.hasRoom(socket.sendLimits) ? 0 : pipe.outbound.payloadBytes)
        }
        if paused { return true }
        let owed = engine.outputCount + queued
        if owedPaused {
            if owed <= maxOwedBytes / 2 { owedPaused = false }
        } else if owed > maxOwedBytes {
            owedPaused = true
        }
        return owedPaused
    }

    /// Asks the loop for readable events exactly when reading may go on.
    func updateReadInterest() {
        guard enterFromLoop(orWait: { self.updateReadInterest() }) else { return }
        defer { loan?.exit() }
        guard !isClosed else { return }
        setInterest(readBlocked() ? interest.subtracting(.readable) : interest.union(.readable))
    }

    /// Stops reading, writes what the engine holds and then `message` (best effort), and
    /// closes once it is written or at `deadline`, whichever comes first.
    func close(after message: [[UInt8]]?, deadline: UInt64) {
        guard enterFromLoop(orWait: { self.close(after: message, deadline: deadline) }) else { return }
        defer { loan?.exit() }
        guard !isClosed, closingTimer == nil else { return }
        closingTimer = socket.loop.schedule(at: deadline) { [self] in closingTimerFired() }
        if let message, engine.state == .traffic {
            do { try engine.send(message) } catch {
                return fail(reason: "\(error)", error: error as? ZMTPError)
            }
        }
        updateReadInterest()
        flush()
    }

    private func closingTimerFired() {
        guard enterFromLoop(orWait: { self.closingTimerFired() }) else { return }
        defer { loan?.exit() }
        closingTimer = nil
        close(reason: "closed by the application; its last message was not written in time")
    }
}
