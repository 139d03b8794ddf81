@_spi(Engine) import ZMTPCore

/// Subscriptions, as libzmq's SUBSCRIBE and UNSUBSCRIBE socket options.
extension ZMTPSocket {
    /// SUB: receive the messages whose first frame starts with `prefix` (empty: all of them).
    /// Subscriptions are counted: each needs its own `unsubscribe`. XPUB with `xpubManual`:
    /// subscribes the peer of the subscription message received last. Other types throw
    /// `notSupported` (an XSUB sends `[0x01] + prefix` as a message instead).
    public func subscribe(_ prefix: [UInt8]) throws(SocketError) {
        try apply(Subscription(.subscribe, prefix))
    }

    /// Undoes one `subscribe(prefix)`; the publishers hear of it when no subscription to
    /// `prefix` is left. Unsubscribing a prefix never subscribed does nothing.
    public func unsubscribe(_ prefix: [UInt8]) throws(SocketError) {
        try apply(Subscription(.cancel, prefix))
    }

    /// `subscribe` with the prefix's UTF-8 bytes.
    public func subscribe(_ prefix: String) throws(SocketError) {
        try subscribe(Array(prefix.utf8))
    }

    /// `unsubscribe` with the prefix's UTF-8 bytes.
    public func unsubscribe(_ prefix: String) throws(SocketError) {
        try unsubscribe(Array(prefix.utf8))
    }

    /// Messages this socket dropped because a peer's queue was full: a PUB's or XPUB's copies
    /// for subscribers at their high-water mark, an XSUB's sends to full publishers.
    public var droppedMessages: UInt64 {
        lock.withLock { room.droppedMessages }
    }

    private func apply(_ subscription: Subscription) throws(SocketError) {
        let flushes = try lock.withLock { () throws(SocketError) -> [any PeerLink] in
            if isClosed { throw SocketError.closed }
            return try room.subscription(subscription, on: self)
        }
        scheduleFlushes(.distributed(flushes: flushes))
    }
}
