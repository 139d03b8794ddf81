import MC0
import Synchronization
import ZMTP

/// The n of routing ids "<identity> <pid> <n>", counted per process so that connectors sharing
/// an identity in one process never share a routing id.
private let socketCounter = Atomic<Int>(0)

/// Sessions on the loop thread: a socket per attempt, CONNECT and its OK, heartbeats,
/// silence detection and reconnection with re-subscription.
extension MC0Connector {
    /// Pause before another attempt when the broker refused CONNECT, so a refusing broker is
    /// not hammered.
    static let refusedRetryDelay: UInt64 = 1_000_000_000
    /// Pause before the next pool member after one refused the connection (libzmq's
    /// reconnect interval), so a pool whose brokers are all down is not cycled in a tight loop.
    static let poolRetryDelay: UInt64 = 100_000_000

    var heartbeatNanoseconds: UInt64 { UInt64(config.heartbeatMilliseconds) * 1_000_000 }

    func startConnect(_ waiter: ConnectWaiter) {
        if waiter.cancellation.isCancelled { return waiter.continuation.resume(throwing: CancellationError()) }
        switch phase {
        case .closed: waiter.continuation.resume(throwing: MC0ConnectorError.closed)
        case .connected: waiter.continuation.resume()
        case .connecting:
            connectWaiters.append(waiter)
        case .idle:
            connectWaiters.append(waiter)
            startAttempt(initial: true)
        }
    }

    /// A new DEALER with routing id "<identity> <pid> <n>", and CONNECT queued on it (the
    /// socket sends it once the handshake is done).
    func startAttempt(initial: Bool) {
        dropSocket()
        // A broker lost, or an attempt failed: the next one of the pool (MCollective's way).
        if !initial { endpointIndex = (endpointIndex + 1) % endpoints.count }
        generation += 1
        let current = generation
        routingID = "\(config.identity) \(pid) \(socketCounter.add(1, ordering: .relaxed).newValue)"
        phase = .connecting(initial: initial)
        lastProblem = nil
        var options = SocketOptions()
        options.identity = Array(routingID.utf8)
        options.security = security
        // Our own queue bound: PUTs wait for their OK, so the socket must not refuse them first.
        options.sendHighWaterMark = 100_000
        options.onEvent = { [weak self] event in self?.socketEvent(event, generation: current) }
        do {
            let socket = try ZMTPSocket(type: .dealer, options: options, loop: loop, logger: logger)
            socket.serve { [weak self] _, frames in self?.received(frames, generation: current) }
            self.socket = socket
            try socket.connect(endpoint)
        } catch {
            attemptFailed("cannot create a socket for \(endpoint): \(error)", retryAfter: Self.refusedRetryDelay)
            return
        }
        connectID = makeID()
        let connect = MC0Message(verb: .connect, headers: [
            (key: MC0Header.version, value: Array(mc0ProtocolVersion.utf8)),
            (key: MC0Header.ttl, value: Array(String(config.heartbeatMilliseconds).utf8)),
            (key: MC0Header.id, value: connectID),
        ])
        if let problem = transmit(connect) {
            attemptFailed(problem, retryAfter: Self.refusedRetryDelay)
            return
        }
        let timeout = config.connectTimeout
        arm(.connectTimeout, loop.schedule(after: timeout.connectorNanoseconds) { [weak self] in
            guard let self, self.generation == current, case .connecting = self.phase else { return }
            self.attemptFailed(MC0ConnectorError.connectTimedOut(endpoint: self.endpoint, timeout: timeout,
                                                                 lastProblem: self.lastProblem), retryAfter: 0)
        })
    }

    /// The broker acknowledged CONNECT: re-subscribe, send what waited, start heartbeats.
    func sessionStarted() {
        cancelTimers()
        initialTries = 0
        phase = .connected
        lastSent = loop.now
        lastHeard = loop.now
        logger.info("connected to \(endpoint) as '\(routingID)'")
        onEvent?(.connected(routingID: routingID))
        if !subscriptions.isEmpty {
            nextSequence += 1
            let topics = subscriptions
            send(Request(kind: .resubscribe(topics), sequence: nextSequence) { [logger] result in
                if case .failure(let error) = result { logger.error("re-subscribing \(topics.count) topics failed: \(error)") }
            })
        }
        let waiting = queued
        queued = []
        for request in waiting where !request.isDone { send(request) }
        let waiters = connectWaiters
        connectWaiters = []
        for waiter in waiters { waiter.continuation.resume() }
        scheduleHeartbeat(generation: generation)
        scheduleSilenceCheck(generation: generation)
    }

    func connectRefused(_ text: String) {
        attemptFailed(MC0ConnectorError.refused(verb: "CONNECT", message: text), retryAfter: Self.refusedRetryDelay)
    }

    /// An attempt failed. The first connect() reports it to its callers; after a session
    /// was up, the connector tries again.
    func attemptFailed(_ error: MC0ConnectorError, retryAfter delay: UInt64) {
        if case .connecting(initial: true) = phase {
            dropSocket()
            initialTries += 1
            if initialTries < endpoints.count {
                logger.warning("connecting to \(endpoint) failed: \(error); trying the next broker of the pool")
                endpointIndex = (endpointIndex + 1) % endpoints.count
                return startAttempt(initial: true)
            }
            initialTries = 0
            phase = .idle
            let waiters = connectWaiters
            connectWaiters = []
            for waiter in waiters { waiter.continuation.resume(throwing: error) }
            let waiting = queued
            queued = []
            for request in waiting { complete(request, .failure(error)) }
            return
        }
        logger.warning("reconnecting to \(endpoint) failed: \(error)")
        onEvent?(.reconnectFailed(reason: error.description))
        dropSocket()
        if delay == 0 {
            startAttempt(initial: false)
        } else {
            let current = generation
            arm(.retry, loop.schedule(after: delay) { [weak self] in
                guard let self, self.generation == current, case .connecting = self.phase else { return }
                self.startAttempt(initial: false)
            })
        }
    }

    func attemptFailed(_ problem: String, retryAfter delay: UInt64) {
        attemptFailed(MC0ConnectorError.socket(problem), retryAfter: delay)
    }

    /// Transport events of socket `generation`, on the loop thread.
    func socketEvent(_ event: SocketEvent, generation: Int) {
        // A socket being dropped reports its own closing: that is no news.
        guard generation == self.generation, socket != nil else { return }
        switch event {
        case .handshakeFailed(_, let error):
            lastProblem = "handshake failed: \(error)"
            if case .connecting(initial: true) = phase {
                attemptFailed(MC0ConnectorError.handshakeFailed(endpoint: endpoint, reason: "\(error)"), retryAfter: 0)
            }
        case .connectFailed(_, let reason):
            lastProblem = reason
            // With a pool, a broker that refuses connections is skipped at once, not waited for.
            if endpoints.count > 1, case .connecting = phase {
                attemptFailed("cannot connect to \(endpoint): \(reason)", retryAfter: Self.poolRetryDelay)
            }
        case .disconnected(_, let reason):
            lastProblem = "disconnected: \(reason)"
            // The broker forgets a client whose connection closed, so the session is gone.
            if phase == .connected { sessionLost("connection to the broker lost: \(reason)") }
        default:
            break
        }
    }

    /// The session is gone: resend what had no effect, fail PUTs whose fate is unknown, and
    /// start a new session on a new socket.
    func sessionLost(_ reason: String) {
        guard phase == .connected else { return }
        logger.warning("session with \(endpoint) lost (\(reason)); reconnecting")
        onEvent?(.sessionLost(reason: reason))
        let inFlight = pending.values.sorted { $0.sequence < $1.sequence }
        pending = [:]
        var resend: [Request] = []
        for request in inFlight where !request.isDone {
            switch request.kind {
            case .resubscribe:
                continue   // redone from `subscriptions`
            case .put where !request.hadNoEffect:
                complete(request, .failure(MC0ConnectorError.sessionLost(verb: "PUT", reason: reason)))
            default:
                request.hadNoEffect = false
                resend.append(request)
            }
        }
        queued = resend + queued
        startAttempt(initial: false)
    }

    /// NOOP when nothing was sent for 0.95 x heartbeat.
    func scheduleHeartbeat(generation current: Int) {
        let period = heartbeatNanoseconds * 95 / 100
        arm(.heartbeat, loop.schedule(at: lastSent &+ period) { [weak self] in
            guard let self, self.generation == current, self.phase == .connected else { return }
            if self.loop.now &- self.lastSent >= period, let problem = self.transmit(.noop) {
                self.logger.warning("heartbeat: \(problem)")
            }
            self.scheduleHeartbeat(generation: current)
        })
    }

    /// Reconnects when nothing was heard from the broker for 1.05 x heartbeat.
    func scheduleSilenceCheck(generation current: Int) {
        let limit = heartbeatNanoseconds * 105 / 100
        arm(.silenceCheck, loop.schedule(at: lastHeard &+ limit) { [weak self] in
            guard let self, self.generation == current, self.phase == .connected else { return }
            // Not reading while the application catches up is no silence of the broker's.
            if self.deliveries.isPaused { self.lastHeard = self.loop.now }
            let silent = self.loop.now &- self.lastHeard
            if silent >= limit {
                self.sessionLost("nothing heard from the broker for \(silent / 1_000_000) ms (1.05 x heartbeat)")
            } else {
                self.scheduleSilenceCheck(generation: current)
            }
        })
    }

    /// Keeps `timer` as the one for `purpose`, cancelling the one before (a no-op once it
    /// fired), so the session holds one handle per purpose however long it runs.
    func arm(_ purpose: SessionTimer, _ timer: TimerHandle) {
        assert(loop.inLoop, "connector state is confined to its loop thread")
        if let previous = timers.updateValue(timer, forKey: purpose) { loop.cancel(previous) }
    }

    func cancelTimers() {
        for timer in timers.values { loop.cancel(timer) }
        timers = [:]
    }

    /// Closes the current socket at once (it is dead or replaced); its events and messages
    /// are ignored from now on.
    func dropSocket() {
        cancelTimers()
        let dropped = socket
        socket = nil
        dropped?.close()
    }

    /// close() (`error` is `closed`) or the loop stopping (`loopStopped`): everything waiting
    /// fails with `error`, DISCONNECT is queued, the stream ends. Returns the socket for the
    /// caller to close off the loop thread, so queued messages can drain.
    func shutdown(failing error: MC0ConnectorError) -> ZMTPSocket? {
        assert(loop.inLoop, "connector state is confined to its loop thread")
        if let shutdownHook {
            loop.cancel(shutdownHook)
            self.shutdownHook = nil
        }
        guard phase != .closed else { return nil }
        let wasConnected = phase == .connected
        phase = .closed
        cancelTimers()
        if wasConnected, let problem = transmit(MC0Message(verb: .disconnect)) { logger.debug("close: \(problem)") }
        let waiting = Array(pending.values) + queued
        pending = [:]
        queued = []
        for request in waiting { complete(request, .failure(error)) }
        let waiters = connectWaiters
        connectWaiters = []
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
        deliveries.finish()
        let socket = self.socket
        self.socket = nil
        generation += 1
        return socket
    }
}

/// What a connector's session timer is for (see `MC0Connector.arm`).
enum SessionTimer: Hashable {
    case connectTimeout, retry, heartbeat, silenceCheck
}
