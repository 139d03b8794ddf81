/// Back-pressure for the handler face: a handler that passes messages on to a slower consumer
/// stops reading from the peers until the consumer caught up. The kernel's buffers fill, then
/// TCP pushes back on the senders, as the receive high-water mark does for `receive`.
extension ZMTPSocket {
    /// Stops reading from every peer, those connected later included, until `resumeReading()`.
    /// Messages of a read already done still reach the handler. Loop thread, handler face only.
    public func pauseReading() {
        assert(loop.inLoop && handler != nil, "pauseReading is for a socket with a handler, on its loop thread")
        lock.withLock {
            readingPaused = true
            for pipe in pipes { pipe.readPaused = true }
        }
    }

    /// Reads from every peer again. Loop thread, handler face only.
    public func resumeReading() {
        assert(loop.inLoop && handler != nil, "resumeReading is for a socket with a handler, on its loop thread")
        let connections: [PeerConnection] = lock.withLock {
            readingPaused = false
            return pipes.compactMap { pipe in
                pipe.readPaused = false
                return pipe.connection
            }
        }
        for connection in connections { connection.resumeReading() }
    }
}
