import Logging
import NATSClient
import Synchronization
import ZMTP

/// The loop-confined half of `BrokerDriver`: the core, its tick timer and the stats timer.
/// Every method runs on the socket's loop thread; only the counters are atomics. Sendable only
/// so the socket's handlers, which run on that thread, can hold it (they check it).
final class BrokerDriverRunner: @unchecked Sendable {
    let socket: ZMTPSocket
    let core: BrokerCore
    private let loop: EventLoop
    private let logger: Logger
    private let statsInterval: UInt64
    let failedSends = Atomic<UInt64>(0)
    let metrics: BrokerMetrics
    /// The --metrics endpoint, when serving (BrokerDriver+Metrics.swift).
    var metricsServer: MetricsServer?
    /// The link to the NATS cluster, when clustered.
    let cluster: BrokerCluster?
    // Touched per message on the loop thread: no dynamic exclusivity checks.
    @exclusivity(unchecked) private var stopped = false
    @exclusivity(unchecked) private var tickTimer: TimerHandle?
    /// When `tickTimer` fires; .max when none is armed.
    @exclusivity(unchecked) private var tickAt: UInt64 = .max
    private var statsTimer: TimerHandle?
    /// Replies and fan-out of the message being handled; kept between messages for its capacity.
    @exclusivity(unchecked) private var outgoing: [Outgoing] = []

    init(socket: ZMTPSocket, config: BrokerConfig, metrics: BrokerMetrics, statsInterval: UInt64, logger: Logger,
         cluster: NATSClientOptions?) {
        self.socket = socket
        self.metrics = metrics
        self.loop = socket.loop
        self.logger = logger
        self.statsInterval = statsInterval
        core = BrokerCore(config: config, isFull: { socket.isAtHighWaterMark($0) },
                          log: { level, text in logger.log(level: level, "\(text)") })
        self.cluster = cluster.map { BrokerCluster(options: $0, loop: socket.loop, maxFrames: config.maxFramesPerMessage, logger: logger) }
        core.clusterEnabled = self.cluster != nil
        self.cluster?.deliver = { [unowned self] topic, envelope in deliverRemote(topic: topic, envelope) }
    }

    /// A message from another broker: to the local subscribers, with flow control as for a PUT.
    private func deliverRemote(topic: [UInt8], _ envelope: ClusterEnvelope) -> Int {
        assert(loop.inLoop, "the broker runs on its socket's loop thread")
        var batch = outgoing
        outgoing = []
        let recipients = core.deliverRemote(topic: topic, headers: envelope.headers, body: envelope.body, now: loop.now, into: &batch)
        deliver(batch)
        batch.removeAll(keepingCapacity: true)
        outgoing = batch
        applyActions()
        rearm()
        return recipients
    }

    /// Installs the handlers on the socket (before it binds, so no message arrives unhandled).
    /// They hold the runner strongly until `ZMTPSocket.close()` drops them, as `stop()` does.
    func install() {
        socket.serve({ [self] peer, message in
            assert(loop.inLoop, "the broker runs on its socket's loop thread")
            // The batch buffer is taken out while in use, so a handler re-entered from a send
            // would get a fresh one instead of touching it.
            var batch = outgoing
            outgoing = []
            let delivered = core.traffic.deliveries
            core.handle(client: peer, frames: message, now: loop.now, into: &batch)
            deliver(batch)
            if core.traffic.deliveries != delivered { metrics.latency.observe(since: loop.now) }
            batch.removeAll(keepingCapacity: true)
            outgoing = batch
            applyActions()
            rearm()
        }, onDisconnect: { [self] peer in
            assert(loop.inLoop, "the broker runs on its socket's loop thread")
            core.disconnected(client: peer)
            applyActions()
            rearm()
        })
        socket.onLowWater { [self] peer in
            assert(loop.inLoop, "the broker runs on its socket's loop thread")
            core.drained(client: peer, now: loop.now)
            applyActions()
            rearm()
        }
    }

    func startStats() {
        guard statsInterval > 0, !stopped else { return }
        statsTimer = loop.schedule(after: statsInterval) { [self] in
            logger.info("\(BrokerDriver.statsLine(core.stats, sendFailures: failedSends.load(ordering: .relaxed), handshakes: socket.handshakeStats, cluster: cluster?.stats))")
            startStats()
        }
    }

    func stop() {
        stopped = true
        cluster?.close()
        metricsServer?.close()
        metricsServer = nil
        if let tickTimer { loop.cancel(tickTimer) }
        if let statsTimer { loop.cancel(statsTimer) }
        tickTimer = nil
        statsTimer = nil
        tickAt = .max
    }

    /// Queues each message, past the high-water mark if need be: the core has paused the
    /// senders that filled the queue. Only a peer that vanished refuses it, and that is counted.
    private func deliver(_ batch: [Outgoing]) {
        for item in batch {
            do {
                try socket.sendPastHighWaterMark(to: item.client, item.frames)
            } catch {
                failedSends.add(1, ordering: .relaxed)
                logger.debug("send to client \(clientID(item.client)) failed: \(error)")
            }
        }
    }

    /// Maps the core's flow-control decisions to the socket.
    private func applyActions() {
        if let cluster { cluster.apply(core.takeClusterWork()) }
        for action in core.takeActions() {
            switch action {
            case .pauseReading(BrokerCore.clusterPeer): cluster?.pauseReading()
            case .resumeReading(BrokerCore.clusterPeer): cluster?.resumeReading()
            case .pauseReading(let client): socket.pauseReading(from: client)
            case .resumeReading(let client): socket.resumeReading(from: client)
            case .disconnect(let client, let finalMessage):
                socket.disconnect(client, finalMessage: finalMessage, linger: Self.finalMessageLinger)
            }
        }
    }

    /// How long a disconnected slow consumer's connection stays open for its ERROR to be read
    /// (behind what was already encoded for it). It costs no more than the live connection
    /// did: its queue is freed and it is no longer read.
    static let finalMessageLinger: Duration = .seconds(30)

    /// Keeps one timer at the core's next deadline. A deadline that moved later needs nothing:
    /// the early tick finds nothing due and re-arms.
    private func rearm() {
        guard !stopped, let next = core.nextDeadline, next < tickAt else { return }
        if let tickTimer { loop.cancel(tickTimer) }
        tickAt = next
        tickTimer = loop.schedule(at: next) { [self] in
            tickTimer = nil
            tickAt = .max
            deliver(core.tick(now: loop.now))
            applyActions()
            rearm()
        }
    }
}
