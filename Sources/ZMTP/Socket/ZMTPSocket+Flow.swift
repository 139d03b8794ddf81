@_spi(Engine) import ZMTPCore

/// Flow control for a server's loop-thread handler (ROUTER): queue past the high-water mark,
/// hear when a peer has drained, pause and resume reading one peer, and close one peer after
/// a last message. A broker that must not drop what it owes bounds its memory this way: it
/// stops reading the peers that fill the queues instead of refusing their messages.
extension ZMTPSocket {
    /// Queues `message` for the peer with `routingID` even when its queue is at or over the
    /// high-water mark (loop thread, ROUTER). Returns whether the queue is now at or over the
    /// mark: the low-water handler is then called once it has drained to half the mark.
    /// Throws `hostUnreachable` for an unknown or vanished peer.
    @discardableResult
    public func sendPastHighWaterMark(to routingID: [UInt8], _ message: [[UInt8]]) throws -> Bool {
        assert(loop.inLoop, "sendPastHighWaterMark runs on the loop thread")
        guard type == .router else { throw SocketError.invalidMessage("sendPastHighWaterMark is for ROUTER sockets") }
        let (flush, full): ((any PeerLink)?, Bool) = try lock.withLock {
            if isClosed { throw SocketError.closed }
            guard !message.isEmpty else { throw SocketError.invalidMessage("a message needs at least one frame") }
            guard let pipe = routes[routingID], pipe.isReady else { throw SocketError.hostUnreachable(routingID: routingID) }
            let flush = enqueue(message, from: 0, on: pipe)
            return (flush, watchIfFullLocked(pipe))
        }
        if let flush { scheduleFlush(flush) }
        return full
    }

    /// Whether the peer's queue is at or over its high-water mark (false for an unknown peer).
    /// When it is, the low-water handler is called once it has drained to half the mark.
    public func isAtHighWaterMark(_ routingID: [UInt8]) -> Bool {
        lock.withLock {
            guard let pipe = routes[routingID], pipe.isReady else { return false }
            return watchIfFullLocked(pipe)
        }
    }

    /// Installs the handler called on the loop thread when a peer found at or over its
    /// high-water mark (by `isAtHighWaterMark` or `sendPastHighWaterMark`) has drained to the
    /// low-water mark, half of it. Not called for a peer that disconnects first. `@Sendable`
    /// as the `serve` handlers: it runs on the loop thread, not the caller's.
    public func onLowWater(_ handler: @escaping @Sendable (_ peer: [UInt8]) -> Void) {
        _ = try? onLoop { self.lowWaterHandler = handler }
    }

    /// Stops reading messages from the peer (loop thread); other peers are read as before.
    /// Returns false for an unknown peer. Composes with the receive high-water mark: reading
    /// goes on only when no reason holds it.
    @discardableResult
    public func pauseReading(from routingID: [UInt8]) -> Bool {
        setReadHeld(routingID, true)
    }

    /// Undoes `pauseReading(from:)` (loop thread). Returns false for an unknown peer.
    @discardableResult
    public func resumeReading(from routingID: [UInt8]) -> Bool {
        setReadHeld(routingID, false)
    }

    /// Closes the connection to the peer (loop thread): its queued messages are dropped, what
    /// is already encoded is written, then `finalMessage` (best effort), and the connection
    /// closes once that is written or after `linger`. The routing id is free at once; the
    /// disconnect handler is not called (the caller knows). Returns false for an unknown peer.
    @discardableResult
    public func disconnect(_ routingID: [UInt8], finalMessage: [[UInt8]]? = nil, linger: Duration = .seconds(1)) -> Bool {
        assert(loop.inLoop, "disconnect runs on the loop thread")
        let connection: (any PeerLink)? = lock.withLock {
            guard let pipe = routes[routingID], pipe.isReady, let connection = pipe.connection else { return nil }
            routes[routingID] = nil
            pipe.isReady = false
            pipe.watchLowWater = false
            pipe.outbound.removeAll()
            return connection
        }
        guard let connection else { return false }
        connection.close(after: finalMessage, deadline: loop.now &+ linger.nanoseconds)
        return true
    }

    // MARK: Internals

    private func setReadHeld(_ routingID: [UInt8], _ held: Bool) -> Bool {
        assert(loop.inLoop, "pauseReading and resumeReading run on the loop thread")
        guard let connection = lock.withLock({ routes[routingID]?.connection }) else { return false }
        connection.readHeld = held
        connection.updateReadInterest()
        return true
    }

    /// Lock held: whether `pipe` is at or over a high-water mark, remembering to report its
    /// drain if so.
    private func watchIfFullLocked(_ pipe: Pipe) -> Bool {
        guard !pipe.hasRoom(sendLimits) else { return false }
        pipe.watchLowWater = true
        return true
    }

    /// Lock held, after `pipe`'s connection took messages from it (on the loop or a borrower's
    /// thread, through `encodeQueued`): whether a watched pipe has just drained to its
    /// low-water mark (the watch ends).
    func reachedLowWaterLocked(_ pipe: Pipe) -> Bool {
        guard pipe.watchLowWater, pipe.isBelowLowWater(sendLimits) else { return false }
        pipe.watchLowWater = false
        return true
    }
}
