@_spi(Engine) import ZMTPCore

/// The handshake of an accepted connection under its listener's admission: its input is read
/// in turn (a few per loop round) and each handshake step it takes is noted.
extension PeerConnection {
    /// Input arrived during the handshake: reading waits for this connection's turn.
    func queueAdmittedInput(_ ticket: AdmissionTicket) {
        setInterest(interest.subtracting(.readable))
        ticket.queueInput()
    }

    /// This connection's turn: reads its input and answers it.
    func readAdmittedInput() {
        guard enterFromLoop(orWait: { self.readAdmittedInput() }) else { return }
        defer { loan?.exit() }
        guard !isClosed else { return }
        setInterest(interest.union(.readable))
        let steps = engine.handshakeSteps
        readAvailable()
        if engine.handshakeSteps != steps { admission?.stepped() }
        if !isClosed, engine.hasOutput { flush() }
    }
}
