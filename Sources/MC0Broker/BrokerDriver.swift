import Logging
import NATSClient
import Synchronization
import ZMTP

/// Runs a `BrokerCore` on a ZMTP ROUTER. Everything the core does happens on the socket's loop
/// thread: `serve` hands each client message to `BrokerCore.handle` inline, the replies and
/// fan-out are queued inline with non-blocking sends, and heartbeats/evictions run from one loop
/// timer kept at `core.nextDeadline`. No lock or thread hop per message.
///
/// Thread-safe: `stop()`, `stats()`, `sendFailures`, `replaceAuthorizedKeys(_:)`.
public final class BrokerDriver: @unchecked Sendable {
    /// The bound endpoint (with the real port when port 0 was asked).
    public let endpoint: Endpoint
    public let security: BrokerSecurity
    public let config: BrokerConfig
    let loop: EventLoop
    private let ownsLoop: Bool
    private let stopped = Atomic<Bool>(false)
    /// Loop-confined: touched only in tasks run on `loop`.
    let runner: BrokerDriverRunner

    /// A message larger than the core's limit by up to this much still reaches the core, which
    /// answers ERROR; beyond it the transport closes the connection before buffering it.
    public static let messageSizeSlack = 64 << 10

    /// The listen backlog mc0d asks for: as many as the kernel allows (net.core.somaxconn caps
    /// it), so a fleet reconnecting at once waits there once the socket's handshake slots and
    /// waiting room are full, instead of retrying SYNs.
    public static let defaultBacklog: Int32 = 65535
    /// How often refused handshakes from one address are logged at most (with a count).
    public static let refusalLogInterval: UInt64 = 10_000_000_000

    /// Binds `endpoint` ("tcp://HOST:PORT") and starts serving.
    /// - Parameters:
    ///   - statsInterval: period of the stats log line (nil or zero: none).
    ///   - handshakeTimeout: how long a connection may take to complete its handshake.
    ///   - backlog: the listen backlog (see `defaultBacklog`).
    ///   - handshakeStallLimit: at the cap of connections in handshake, the least silence after
    ///     which one may be evicted for a waiting one (`SocketOptions.handshakeStallLimit`).
    ///   - busyPoll: how long the driver's own loop keeps polling after traffic before it sleeps
    ///     (`EventLoop(busyPoll:)`); not used when `loop` is given.
    ///   - loop: the event loop to run on; by default the driver makes (and owns) its own.
    ///   - cluster: the NATS servers of the cluster to join (nil: a broker on its own); see
    ///     docs/cluster.md.
    public init(bind endpoint: String, security: BrokerSecurity, config: BrokerConfig = BrokerConfig(),
                statsInterval: Duration? = nil, handshakeTimeout: Duration = .seconds(30),
                backlog: Int32 = BrokerDriver.defaultBacklog, handshakeStallLimit: Duration = .seconds(2),
                busyPoll: Duration = .microseconds(50), logger: Logger = Logger(label: "mc0d"),
                loop: EventLoop? = nil, cluster: NATSClientOptions? = nil) throws(BrokerDriverError) {
        let parsed: Endpoint
        do { parsed = try Endpoint.parse(endpoint) } catch {
            throw .badEndpoint(endpoint: endpoint, reason: error.description)
        }
        let theLoop: EventLoop
        do { theLoop = try loop ?? EventLoop(name: "mc0d", busyPoll: busyPoll) } catch { throw .cannotStart(reason: "\(error)") }

        var options = SocketOptions()
        options.security = security.socketSecurity
        options.routerHandover = true
        options.metricsName = "mc0d"
        options.routerMandatory = true
        options.sendHighWaterMark = config.maxQueuedPerClient
        options.sendHighWaterBytes = config.maxQueuedBytesPerClient
        // The core pauses the senders that fill a queue; this bound is the transport's own
        // backstop for what the core cannot see (ZMTP commands owed to a peer that never reads).
        options.maxOwedBytes = config.maxQueuedBytesPerClient
        options.maxMessageSize = config.maxMessageBytes + Self.messageSizeSlack
        options.heartbeatInterval = .zero
        options.handshakeTimeout = handshakeTimeout
        options.linger = .milliseconds(500)
        options.backlog = backlog
        options.handshakeStallLimit = handshakeStallLimit
        let refusals = LoopConfined(HandshakeRefusalLog(interval: Self.refusalLogInterval) { logger.notice("\($0)") })
        let metrics = BrokerMetrics(loop: theLoop, mechanism: security.publicKey == nil ? "null" : "curve")
        options.onEvent = { [logger] event in
            if case .handshakeFailed(_, let error) = event { metrics.handshakeFailed(error) }
            Self.log(event, to: logger, refusals: refusals.value, loop: theLoop)
        }
        let socket: ZMTPSocket
        do {
            socket = try ZMTPSocket(type: .router, options: options, loop: theLoop, logger: logger)
        } catch {
            if loop == nil { theLoop.shutdown() }
            throw .cannotStart(reason: "\(error)")
        }
        let runner = BrokerDriverRunner(socket: socket, config: config, metrics: metrics,
                                        statsInterval: Self.nanoseconds(statsInterval), logger: logger, cluster: cluster)
        runner.install()
        do {
            self.endpoint = try socket.bind(parsed.description)
        } catch {
            socket.close()
            if loop == nil { theLoop.shutdown() }
            throw .cannotListen(endpoint: parsed.description, reason: "\(error)")
        }
        self.loop = theLoop
        self.ownsLoop = loop == nil
        self.security = security
        self.config = config
        self.runner = runner
        let box = RunnerBox(runner)
        theLoop.execute {
            box.runner.startStats()
            box.runner.cluster?.start()
        }
    }

    /// Closes the socket (queued messages get a short linger) and stops the driver's own loop.
    /// Idempotent; any thread.
    public func stop() {
        guard stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let box = RunnerBox(runner)
        if loop.inLoop { runner.stop() } else { try? loop.submit { box.runner.stop() } }
        runner.socket.close()
        if ownsLoop { loop.shutdown() }
    }

    /// The cluster link's counters now; nil when not clustered or once stopped. Any thread.
    public func clusterStats() -> ClusterStats? {
        guard runner.cluster != nil else { return nil }
        if loop.inLoop { return runner.cluster?.stats }
        let box = RunnerBox(runner)
        return try? loop.submit { box.runner.cluster?.stats }
    }

    /// The core's counters now, or nil once stopped. Any thread.
    public func stats() -> BrokerStats? {
        if loop.inLoop { return runner.core.stats }
        let box = RunnerBox(runner)
        return try? loop.submit { box.runner.core.stats }
    }

    /// Messages the core handed over that the socket refused after all (the peer vanished
    /// within one batch). Any thread.
    public var sendFailures: UInt64 { runner.failedSends.load(ordering: .relaxed) }

    /// Replaces the client keys a CURVE broker accepts, for handshakes from now on (nil: any
    /// key). False when the broker was started without an authorizer. Any thread.
    @discardableResult
    public func replaceAuthorizedKeys(_ keys: Set<CurvePublicKey>?) -> Bool {
        guard let authorizer = security.authorizer else { return false }
        authorizer.replaceAllowed(keys)
        runner.metrics.keyReloads.add(1, ordering: .relaxed)
        return true
    }

    /// Handshakes refused or evicted so far. Any thread.
    public var handshakeStats: HandshakeStats { runner.socket.handshakeStats }

    /// "stats: clients=3 topics=5 in=120 out=240 paused=0 errors=1 evictions=0 slow_consumers=0
    /// send_failures=0 handshake_failures=2 handshake_evictions=0", then, when clustered,
    /// " cluster_connected=1 cluster_out=10 cluster_in=20 cluster_dropped=0 cluster_reconnects=0"
    public static func statsLine(_ s: BrokerStats, sendFailures: UInt64, handshakes: HandshakeStats,
                                 cluster: ClusterStats? = nil) -> String {
        var line = "stats: clients=\(s.clients) topics=\(s.topics) in=\(s.messagesIn) out=\(s.messagesOut) paused=\(s.paused) errors=\(s.errors) evictions=\(s.evictions) slow_consumers=\(s.slowConsumers) send_failures=\(sendFailures)"
            + " handshake_failures=\(handshakes.failures) handshake_evictions=\(handshakes.evictions)"
        if let c = cluster {
            line += " cluster_connected=\(c.connected ? 1 : 0) cluster_out=\(c.published) cluster_in=\(c.received) cluster_dropped=\(c.dropped) cluster_reconnects=\(c.reconnects)"
        }
        return line
    }

    private static func nanoseconds(_ duration: Duration?) -> UInt64 {
        guard let duration, duration > .zero else { return 0 }
        let (seconds, atto) = duration.components
        return UInt64(seconds) * 1_000_000_000 + UInt64(atto / 1_000_000_000)
    }

    /// Runs on the loop thread (socket events do).
    private static func log(_ event: SocketEvent, to logger: Logger, refusals: HandshakeRefusalLog, loop: EventLoop) {
        switch event {
        case .handshakeFailed(let peer, let error):
            refusals.record(peer: peer, reason: error.description, on: loop)
        case .handshakeSucceeded(let peer, _, let id):
            logger.debug("client \(clientID(id)) connected from \(peer)")
        case .disconnected(let peer, let reason):
            logger.debug("connection from \(peer) closed: \(reason)")
        case .listening, .accepted, .connected, .connectFailed, .connectRetried, .closed:
            break
        }
    }
}

/// Carries a loop-confined value into closures that run on its loop.
private struct LoopConfined<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Carries the loop-confined runner into a task on its loop.
private struct RunnerBox: @unchecked Sendable {
    let runner: BrokerDriverRunner
    init(_ runner: BrokerDriverRunner) { self.runner = runner }
}
