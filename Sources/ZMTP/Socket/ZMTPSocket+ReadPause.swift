/// Back-pressure for the handler face: a handler that passes messages on to a slower consumer
/// stops reading from the peers until the consumer caught up. The kernel's buffers fill, then
/// TCP pushes back on the senders, as the receive high-water mark does for `receive`. The
/// socket-wide form of `pauseReading(from:)`; both are weighed in `PeerConnection.readBlocked`.
extension ZMTPSocket {
    /// Stops reading from every peer, those connected later included, until `resumeReading()`.
    /// Messages of a read already done still reach the handler. Loop thread, handler face only.
    public func pauseReading() {
        assert(loop.inLoop && handler != nil, "pauseReading is for a socket with a handler, on its loop thread")
        readingPaused.store(true, ordering: .relaxed)
        for connection in connections.values { connection.updateReadInterest() }
    }

    /// Reads from every peer again (those paused one by one stay paused). Loop thread, handler
    /// face only.
    public func resumeReading() {
        assert(loop.inLoop && handler != nil, "resumeReading is for a socket with a handler, on its loop thread")
        readingPaused.store(false, ordering: .relaxed)
        for connection in connections.values { connection.updateReadInterest() }
    }
}
