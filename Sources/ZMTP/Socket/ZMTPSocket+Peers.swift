@_spi(Engine) import ZMTPCore

/// Connection lifecycle on the loop thread: a handshake attaches a pipe (routing ids, handover),
/// a closed connection detaches it, and close() lingers then tears everything down.
extension ZMTPSocket {
    func attach(_ connection: any PeerLink, metadata: Metadata) {
        let pipe = connection.pipe
        var routingID: [UInt8] = []
        if type == .router {
            if let id = metadata.identity, !id.isEmpty {
                routingID = id
            } else {
                // libzmq's form for generated ids: a zero byte, then a 32-bit counter.
                nextGeneratedID &+= 1
                routingID = [0] + withUnsafeBytes(of: nextGeneratedID.bigEndian) { Array($0) }
            }
        }
        let properties = MessageProperties(userID: connection.userID,
                                           peerAddress: connection.peerAddress, metadata: metadata)
        enum Outcome { case attached(flush: Bool, displaced: (any PeerLink)?, drained: Bool), refused, ignored }
        var wokenSenders: [AsyncWaiter<Void>.Resumption] = []
        defer { for r in wokenSenders { r.resume() } }
        let outcome: Outcome = lock.withLock {
            var displaced: (any PeerLink)?
            var drained = false
            if type == .router {
                if let existing = routes[routingID], existing !== pipe {
                    guard options.routerHandover else { return .refused }
                    displaced = existing.connection
                    existing.isReady = false
                    // Its queue goes with it: a drain someone waits for has happened.
                    drained = existing.watchLowWater
                    existing.watchLowWater = false
                }
                routes[routingID] = pipe
            }
            pipe.routingID = routingID
            pipe.properties = properties
            pipe.connection = connection
            pipe.isReady = true
            if !pipe.persistent { pipes.append(pipe) }
            guard room.attached(pipe, on: self) else { return .ignored }
            if blockedSenders > 0 { lock.broadcast() }  // a sender may be waiting for any peer at all
            wokenSenders = wakeAsyncSendersLocked()
            wakePollersLocked()
            let flush = !pipe.outbound.isEmpty && !pipe.flushScheduled
            if flush { pipe.flushScheduled = true }
            return .attached(flush: flush, displaced: displaced, drained: drained)
        }
        switch outcome {
        case .refused:
            connection.fail(reason: "routing id already held by a live connection (handover off)", error: nil)
        case .ignored:
            // libzmq's PAIR keeps a second peer connected but never reads from it.
            logger.info("\(type.rawValue) socket already has its peer: \(connection.peerName) stays connected but unused")
            connection.readHeld = true
            connection.updateReadInterest()
            emit(.handshakeSucceeded(peer: connection.peerName, mechanism: options.security.mechanismName, routingID: routingID))
        case .attached(let flush, let displaced, let drained):
            // The routing id keeps its flow-control state: paused stays paused.
            if displaced?.readHeld == true {
                connection.readHeld = true
                connection.updateReadInterest()
            }
            displaced?.close(reason: "identity handed over to a new connection")
            if drained { lowWaterHandler?(routingID) }
            emit(.handshakeSucceeded(peer: connection.peerName, mechanism: options.security.mechanismName, routingID: routingID))
            if flush { scheduleFlush(connection) }
        }
    }

    func detach(_ connection: any PeerLink) {
        let pipe = connection.pipe
        let lostRoute: [UInt8]? = lock.withLock {
            guard pipe.connection === connection else { return nil }
            let wasReady = pipe.isReady
            if wasReady { room.detached(pipe, on: self) }
            pipe.connection = nil
            pipe.isReady = false
            pipe.flushScheduled = false
            if !pipe.persistent {
                pipes.removeAll { $0 === pipe }
                pipe.outbound.removeAll()
            }
            var lost: [UInt8]?
            if type == .router, routes[pipe.routingID] === pipe {
                routes[pipe.routingID] = nil
                if wasReady { lost = pipe.routingID }
            }
            if blockedSenders + blockedReceivers > 0 { lock.broadcast() }
            return lost
        }
        if let lostRoute { disconnectHandler?(lostRoute) }
    }

    /// Closes the socket: waits up to `linger` for queued messages to be written, then closes
    /// every connection, listener and dialer. Blocked and awaiting callers get `closed`.
    public func close() {
        if !loop.inLoop {
            let deadline = monotonicNow() &+ options.linger.nanoseconds
            while monotonicNow() < deadline {
                guard let drained = try? loop.submit({ self.isDrained() }), !drained else { break }
                lock.withLock {
                    blockedSenders += 1  // woken as senders are, when the queue drains
                    _ = lock.wait(until: min(deadline, monotonicNow() &+ 5_000_000))
                    blockedSenders -= 1
                }
            }
        }
        do {
            try onLoop { self.closeNow() }
        } catch {
            // The loop is shut down: no loop thread will release the connections, which hold
            // the socket as it holds them, so this thread does in its stead.
            loop.runStopped { closeNow() }
        }
    }

    private func isDrained() -> Bool {
        let queued = lock.withLock { pipes.contains { !$0.outbound.isEmpty } }
        return !queued && !connections.values.contains { $0.hasUnsentOutput }
    }

    private func closeNow() {
        let alreadyClosed = lock.withLock { isClosed }
        guard !alreadyClosed else { return }
        for listener in listeners { listener.close() }
        for dialer in dialers { dialer.stop() }
        closeInproc()
        for connection in Array(connections.values) { connection.close(reason: "socket closed") }
        listeners = []
        dialers = []
        handler = nil
        disconnectHandler = nil
        lowWaterHandler = nil
        markClosed()
    }

    /// Marks the socket closed, wakes every caller waiting on it (any thread) and reports
    /// `closed`.
    private func markClosed() {
        let (receivers, senders) = lock.withLock {
            isClosed = true
            lock.broadcast()
            wakePollersLocked()
            return wakeAllAsyncLocked()
        }
        for r in receivers { r.resume() }
        for s in senders { s.resume() }
        emit(.closed)
    }
}
