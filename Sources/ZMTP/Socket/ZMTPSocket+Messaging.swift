import Glibc
@_spi(Engine) import ZMTPCore

/// The application face: thread-safe send and receive, blocking with timeouts or async.
extension ZMTPSocket {
    /// Sends one multipart message. ROUTER: the first frame is the peer's routing id.
    /// `timeout` nil blocks until a peer can take it, `.zero` never blocks (throws `wouldBlock`).
    /// A ROUTER never blocks: a message to an unknown or full peer is dropped, or throws with
    /// `routerMandatory`. Throws `closed`, `wouldBlock`, `timedOut`, `invalidMessage`, or
    /// `hostUnreachable` (ROUTER with `routerMandatory`).
    public func send(_ message: [[UInt8]], timeout: Duration? = nil) throws(SocketError) {
        try sendMessage(message, timeout: timeout)
    }

    /// Sends `message` as `send(_: [[UInt8]], timeout:)` does, copying its bytes: the caller
    /// may reuse it at once.
    public func send(_ message: Message, timeout: Duration? = nil) throws(SocketError) {
        try sendMessage(message, timeout: timeout)
    }

    /// A sender blocked at the high-water mark polls, as a blocking receive does, for up to the
    /// loop's busy-poll time before it sleeps: the loop frees the whole queue at once, and a
    /// sender that sees it at once refills it without a sleep and a wake-up.
    private func sendMessage<M: OutgoingMessage>(_ message: M, timeout: Duration?) throws(SocketError) {
        var deadline: UInt64?  // read the clock only once a wait is needed
        var polled = false
        var lends = false
        while true {
            var seen = 0
            let outcome: RouteOutcome? = try lock.withLock { () throws(SocketError) -> RouteOutcome? in
                while true {
                    if isClosed { throw SocketError.closed }
                    let outcome = try room.route(message, on: self)
                    if case .blocked = outcome {} else {
                        lends = !sentLast && !servesHandler
                        sentLast = true
                        return outcome
                    }
                    if timeout == .zero { throw SocketError.wouldBlock }
                    if let timeout, deadline == nil { deadline = monotonicNow() &+ timeout.nanoseconds }
                    if let deadline, monotonicNow() >= deadline { throw SocketError.timedOut }
                    if !polled {
                        seen = spaceFreed.load(ordering: .relaxed)
                        return nil
                    }
                    blockedSenders += 1
                    _ = lock.wait(until: deadline)
                    blockedSenders -= 1
                }
            }
            if let outcome {
                // The request of a round trip goes out on this thread when it can.
                if lends, case .queued(let link?) = outcome, let connection = link as? PeerConnection,
                   connection.loan != nil, !loop.inLoop {
                    return connection.flushOnCaller()
                }
                return scheduleFlushes(outcome)
            }
            polled = true
            let end = min(deadline ?? .max, monotonicNow() &+ loop.busyPoll)
            BusyPoll.wait(until: end) { spaceFreed.load(ordering: .acquiring) != seen }
        }
    }

    /// ROUTER: sends `message` to the peer with `routingID` without building the combined
    /// message first. Never blocks: an unknown or full peer drops the message, or throws with
    /// `routerMandatory` (`sendPastHighWaterMark` queues it anyway, for a handler that pauses
    /// its senders instead). Throws as `send(_:timeout:)` does.
    public func send(to routingID: [UInt8], _ message: [[UInt8]]) throws(SocketError) {
        guard type == .router else { throw SocketError.invalidMessage("send(to:) is for ROUTER sockets") }
        let outcome = try lock.withLock { () throws(SocketError) -> RouteOutcome in
            if isClosed { throw SocketError.closed }
            return try routeTo(routingID, message, from: 0)
        }
        scheduleFlushes(outcome)
    }

    /// Receives the next message, fair-queued across peers. ROUTER prepends the routing id.
    /// `timeout` nil blocks until a message comes, `.zero` never blocks. Throws `closed`,
    /// `wouldBlock` (timeout `.zero` and no message) or `timedOut`.
    public func receive(timeout: Duration? = nil) throws(SocketError) -> [[UInt8]] {
        try receiveMessage(timeout: timeout, Self.popArrays)
    }

    /// Receives the next message into `message`, replacing what it held, as
    /// `receive(timeout:)` does; allocates nothing once `message` has grown to fit.
    public func receive(into message: inout Message, timeout: Duration? = nil) throws(SocketError) {
        let finished = message.takeHeld()
        if !finished.isEmpty { keepLargeBodies(finished) }
        message.removeFrames()
        do throws(SocketError) {
            try receiveMessage(timeout: timeout) { (queue, prefix, pipe) -> Void? in
                guard queue.popMessage(into: &message, prefix: prefix) else { return nil }
                if message.properties !== pipe.properties { message.properties = pipe.properties }
                return ()
            }
        } catch {
            message.properties = nil
            throw error
        }
    }

    /// Keeps large bodies the application has finished with (or a connection did not fill), a
    /// few, for the connections to read the next large frames into. One the application still
    /// shares is copied on write when reused, so reusing it is always safe.
    func keepLargeBodies(_ bodies: [[UInt8]]) {
        lock.withLock {
            for body in bodies where spareLargeBodies.count < 4 { spareLargeBodies.append(body) }
        }
    }

    /// A kept large body of at least `size` bytes, if any (whichever thread holds the connection).
    func spareLargeBody(atLeast size: Int) -> [UInt8]? {
        lock.withLock {
            guard let index = spareLargeBodies.lastIndex(where: { $0.count >= size }) else { return nil }
            return spareLargeBodies.remove(at: index)
        }
    }

    /// A blocking receive polls for up to the loop's busy-poll time before it sleeps: a reply
    /// that comes within it is taken without a sleep and a wake-up (see EventLoop.init).
    private func receiveMessage<T>(timeout: Duration?, _ take: (inout FramedMessages, [UInt8]?, Pipe) -> T?) throws(SocketError) -> T {
        var seen: Int?
        var lender: PeerConnection?
        let early = try lock.withLock { () throws(SocketError) -> (T, (any PeerLink)?)? in
            defer { sentLast = false }
            try room.checkReceive()
            if let taken = dequeue(take) { return taken }
            if isClosed { throw SocketError.closed }
            if timeout == .zero { throw SocketError.wouldBlock }
            seen = arrivals.load(ordering: .relaxed)
            if sentLast { lender = soleLenderLocked() }
            return nil
        }
        let (message, resume): (T, (any PeerLink)?)
        if let early {
            (message, resume) = early
        } else {
            // The clock and the deadline only once a wait is needed (Duration arithmetic costs
            // more than taking a message).
            let start = monotonicNow()
            let deadline = timeout.map { start &+ $0.nanoseconds }
            pollArrivals(after: seen!, until: min(deadline ?? .max, start &+ loop.busyPoll))
            // The only waiter of a one-peer socket, waiting for the reply to its request, reads
            // it itself once the busy-poll is over (it returns here once a message is queued,
            // at the deadline, or when the loop wants the connection back); what follows then
            // takes it or waits as before.
            lender?.readOnCaller(until: deadline, after: seen!)
            (message, resume) = try lock.withLock { () throws(SocketError) -> (T, (any PeerLink)?) in
                while true {
                    if let taken = dequeue(take) { return taken }
                    if isClosed { throw SocketError.closed }
                    if let deadline, monotonicNow() >= deadline { throw SocketError.timedOut }
                    blockedReceivers += 1
                    _ = lock.wait(until: deadline)
                    blockedReceivers -= 1
                }
            }
        }
        if let resume { loop.execute { resume.resumeReading() } }
        return message
    }

    /// Spins (yielding the CPU to anything runnable) until a delivery after `seen` or `end`.
    private func pollArrivals(after seen: Int, until end: UInt64) {
        pollingReceivers.add(1, ordering: .relaxed)
        defer { pollingReceivers.subtract(1, ordering: .relaxed) }
        BusyPoll.wait(until: end) { arrivals.load(ordering: .acquiring) != seen }
    }

    // MARK: Internals (lock held)

    /// The connection a blocking receive may read on its own thread (lock held): the socket's
    /// one ready peer connection, lent out, when no other receiver waits and no handler reads.
    private func soleLenderLocked() -> PeerConnection? {
        guard blockedReceivers == 0, asyncReceivers.isEmpty, !servesHandler, !loop.inLoop,
              pipes.count == 1, pipes[0].isReady,
              let connection = pipes[0].connection as? PeerConnection, connection.loan != nil else { return nil }
        return connection
    }

    /// ROUTER routing (lock held): queue for the peer, or drop / throw as libzmq does.
    func routeTo<M: OutgoingMessage>(_ id: [UInt8], _ message: M, from first: Int) throws(SocketError) -> RouteOutcome {
        guard message.frameCount > first else { throw SocketError.invalidMessage("a message needs at least one frame") }
        guard let pipe = routes[id], pipe.isReady else {
            if options.routerMandatory { throw SocketError.hostUnreachable(routingID: id) }
            metrics.droppedUnroutable.increment()
            return .dropped
        }
        guard pipe.hasRoom(sendLimits) else {
            if options.routerMandatory { throw SocketError.wouldBlock }
            metrics.droppedAtHighWaterMark.increment()
            return .dropped
        }
        return .queued(flush: enqueue(message, from: first, on: pipe))
    }

    func hasRoomLocked() -> Bool { room.canSend(on: self) }

    func enqueue<M: OutgoingMessage>(_ message: M, from first: Int, on pipe: Pipe) -> (any PeerLink)? {
        message.append(to: &pipe.outbound, from: first)
        guard pipe.isReady, !pipe.flushScheduled, let connection = pipe.connection else { return nil }
        pipe.flushScheduled = true
        return connection
    }

    /// Takes a message as arrays: what the blocking and the async `receive` return.
    static func popArrays(_ queue: inout FramedMessages, prefix: [UInt8]?, from pipe: Pipe) -> [[UInt8]]? {
        queue.popMessage(prefix: prefix)
    }

    /// Takes the next message round-robin across pipes with `take` (given the pipe's queue, the
    /// ROUTER routing id to put in front and the pipe, whose properties go with the message);
    /// also says which connection may read again. A room that inspects what the application
    /// takes (REQ, REP) sees each message first, and the ones it drops are skipped.
    func dequeue<T>(_ take: (inout FramedMessages, [UInt8]?, Pipe) -> T?) -> (T, (any PeerLink)?)? {
        while let pipe = readable.first {
            let message: T?
            if room.inspectsTakes {
                guard let raw = pipe.inbound.pop({ $0.popMessage() }) else { return nil }
                if let kept = room.take(raw, from: pipe) {
                    var single = FramedMessages()
                    single.append(kept)
                    message = take(&single, nil, pipe)
                } else {
                    message = nil
                }
            } else {
                guard let taken = pipe.inbound.pop({ take(&$0, type == .router ? pipe.routingID : nil, pipe) }) else { return nil }
                message = taken
            }
            let resume = tookLocked(from: pipe)
            if let message { return (message, resume) }
            if let resume { loop.execute { resume.resumeReading() } }
        }
        return nil
    }

    /// Bookkeeping after a message was taken from `pipe`: the fair-queue turn, and whether its
    /// connection may read again.
    private func tookLocked(from pipe: Pipe) -> (any PeerLink)? {
        if pipe.inbound.isEmpty {
            _ = readable.popFirst()
            pipe.inReadableQueue = false
        } else if readable.count > 1 {
            readable.append(readable.popFirst()!)  // the next message comes from the next pipe
        }
        // Hysteresis, as libzmq's low-water mark: resume reading at half the high-water mark,
        // not at the first free slot, so reader and loop do not ping-pong per message.
        guard pipe.readPaused, pipe.inbound.count <= receiveLimit / 2 else { return nil }
        pipe.readPaused = false
        return pipe.connection
    }

    /// Drops every message queued for the application (REQ_RELAXED's new request).
    func discardInboundLocked() {
        while let pipe = readable.popFirst() {
            pipe.inReadableQueue = false
            while pipe.inbound.pop({ $0.popMessage() }) != nil {}
            if pipe.readPaused, let connection = pipe.connection {
                pipe.readPaused = false
                loop.execute { connection.resumeReading() }
            }
        }
    }

    /// Schedules the flushes a route asked for.
    func scheduleFlushes(_ outcome: RouteOutcome) {
        switch outcome {
        case .queued(let flush?): scheduleFlush(flush)
        case .distributed(let flushes): for flush in flushes { scheduleFlush(flush) }
        case .queued(nil), .dropped, .blocked: break
        }
    }

    func scheduleFlush(_ connection: any PeerLink) {
        loop.execute { connection.flush() }
    }

    // MARK: Loop side

    /// Messages decoded from one read of `pipe`'s connection (loop thread), taken out of
    /// `messages`. A handler gets them here; otherwise they move to the pipe's queue, by a swap
    /// of buffers when the application has read everything before (a consumer keeping up).
    /// ROUTER puts the routing id in front as each message is taken.
    func deliver(_ messages: inout FramedMessages, from pipe: Pipe) {
        if let handler {
            // A peer the handler disconnected gets no more of its batch handled.
            while pipe.isReady, let message = messages.popMessage() { handler(pipe.routingID, message) }
            return
        }
        if pollingReceivers.load(ordering: .relaxed) > 0 { loop.expectActivity() }
        // An application thread waiting for this message is likely to answer it soon.
        if queueForApplication(&messages, from: pipe) == true { loop.expectActivity() }
    }

    /// Queues messages decoded by `pipe`'s connection for the application and wakes whoever
    /// waits for them, on the loop thread or a borrower's. Returns whether an application
    /// thread was waiting; nil, leaving `messages` untouched, once a `serve` handler takes
    /// them (a borrower that read them hands them to the loop, which calls the handler).
    func queueForApplication(_ messages: inout FramedMessages, from pipe: Pipe) -> Bool? {
        var handed: [AsyncWaiter<[[UInt8]]>.Resumption] = []
        let outcome: (waiting: Bool, wake: Bool)? = lock.withLock {
            if servesHandler { return nil }
            let waiting = blockedReceivers > 0 || !asyncReceivers.isEmpty
            if var batch = room.arrived(&messages, from: pipe, on: self) {
                queueLocked(&batch, from: pipe)
            } else {
                if !asyncReceivers.isEmpty && !room.inspectsTakes {
                    handed = handToAsyncReceiversLocked(&messages, prefix: type == .router ? pipe.routingID : nil)
                }
                queueLocked(&messages, from: pipe)
            }
            // What a room filtered, or must inspect as it is taken, reaches them from the queue.
            if !asyncReceivers.isEmpty && !pipe.inbound.isEmpty { handed += handQueuedToAsyncReceiversLocked() }
            return (waiting, blockedReceivers > 0)
        }
        guard let outcome else { return nil }
        // After unlocking: a receiver woken while the lock is still held would wake only to
        // sleep again on the mutex.
        if outcome.wake { lock.broadcast() }
        for r in handed { r.resume() }
        return outcome.waiting
    }

    /// Queues messages from `pipe` for the application and wakes the pollers (lock held). The
    /// caller wakes blocked receivers: `queueForApplication` after unlocking, `detach` with its
    /// own wake-up.
    func queueLocked(_ messages: inout FramedMessages, from pipe: Pipe) {
        pipe.inbound.add(&messages)
        arrivals.add(1, ordering: .releasing)
        if let reader = readingLender, reader.pipe !== pipe { reader.loan?.recall() }
        if !pipe.inbound.isEmpty && !pipe.inReadableQueue {
            pipe.inReadableQueue = true
            readable.append(pipe)
        }
        if pipe.inbound.count >= receiveLimit { pipe.readPaused = true }
        if !pollWakers.isEmpty && !pipe.inbound.isEmpty { wakePollersLocked() }
    }

    /// Space freed in `pipe`'s outbound queue (lock held, by whoever holds its connection: the
    /// loop or a borrowing sender, both through `encodeQueued`): wakes blocked senders
    /// once the queue is down to half the high-water mark (libzmq's low-water mark), so a sender
    /// at the limit is woken once per half-queue rather than once per flush round.
    func spaceFreedLocked(in pipe: Pipe) -> [AsyncWaiter<Void>.Resumption] {
        guard pipe.isBelowLowWater(sendLimits) else { return [] }
        spaceFreed.add(1, ordering: .releasing)
        if blockedSenders > 0 { lock.broadcast() }
        if !pollWakers.isEmpty { wakePollersLocked() }
        return asyncSenders.isEmpty ? [] : wakeAsyncSendersLocked()
    }
}
