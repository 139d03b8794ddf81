@_spi(Engine) import ZMTPCore

extension ZMTPSocket {
    /// Messages and their payload bytes queued for all peers now, not yet taken by a connection
    /// to be written. Any thread; visits every peer under the socket's lock, so it is for a
    /// scrape now and then, not for the message path.
    public var queuedOutbound: (messages: Int, bytes: Int) {
        lock.withLock {
            pipes.reduce(into: (messages: 0, bytes: 0)) { total, pipe in
                total.messages += pipe.outbound.count
                total.bytes += pipe.outbound.payloadBytes
            }
        }
    }
}
