import Logging
import MC0

/// The mc0 broker without I/O: client messages and clock ticks in, messages to send and
/// flow-control actions out. It never touches a socket or a clock (time is `now`, monotonic
/// nanoseconds, given by the caller) and is not thread-safe: the driver calls it on its loop
/// thread only.
///
/// It never drops a message it owes a client. When a message finds its recipient's queue at
/// the high-water mark, the message is still handed over and the client whose message caused
/// it stops being read (`BrokerAction.pauseReading`) until the recipient drains to the
/// low-water mark (`drained(client:now:)`). A recipient that holds up other clients this way
/// longer than `BrokerConfig.slowConsumerTimeout` is sent an ERROR and disconnected; one full
/// of its own replies only holds up itself, and is only paused.
public final class BrokerCore {
    public let config: BrokerConfig
    private let isFull: ([UInt8]) -> Bool
    let jitter: () -> Double
    let log: (Logger.Level, String) -> Void

    // The state below is touched per message, on the core's one thread: no dynamic
    // exclusivity checks, which cost more than the work they guard.
    @exclusivity(unchecked) var clients: [[UInt8]: BrokerClient] = [:]
    /// Topic -> subscribers. A topic with no subscribers has no entry.
    @exclusivity(unchecked) var topics: [[UInt8]: [ObjectIdentifier: BrokerClient]] = [:]
    @exclusivity(unchecked) private var deadlines = BrokerDeadlineHeap()
    @exclusivity(unchecked) private var counters = BrokerStats()
    /// Client messages by verb and PUT fan-out, for the metrics endpoint.
    @exclusivity(unchecked) public internal(set) var traffic = BrokerTraffic()
    @exclusivity(unchecked) private var flow = BrokerFlow()
    @exclusivity(unchecked) private var actions: [BrokerAction] = []
    /// The latest time given to the core (for work that comes without one: a lost transport).
    @exclusivity(unchecked) var latest: UInt64 = 0
    /// Report topic changes and accepted PUTs as `ClusterWork` (BrokerCore+Cluster.swift).
    public var clusterEnabled = false
    @exclusivity(unchecked) var clusterWork: [ClusterWork] = []

    /// - Parameters:
    ///   - isFull: whether a client's send queue is at or over its high-water mark. Asked once
    ///     per outgoing message, before the message is handed back; the transport must then
    ///     report that client's drain to the low-water mark through `drained(client:now:)`.
    ///   - jitter: a value in 0..<1 that spreads heartbeat NOOPs (random by default).
    ///   - log: where log lines go.
    public init(
        config: BrokerConfig = BrokerConfig(),
        isFull: @escaping ([UInt8]) -> Bool = { _ in false },
        jitter: @escaping () -> Double = { Double.random(in: 0..<1) },
        log: @escaping (Logger.Level, String) -> Void = { _, _ in }
    ) {
        self.config = config
        self.isFull = isFull
        self.jitter = jitter
        self.log = log
    }

    public var stats: BrokerStats {
        var stats = counters
        stats.clients = clients.count
        stats.topics = topics.count
        stats.paused = flow.pausedCount
        return stats
    }

    /// The connected client with this routing id, or nil.
    public func client(_ id: [UInt8]) -> BrokerClientInfo? {
        clients[id]?.info(paused: flow.isPaused(id))
    }

    /// When `tick` must next run, or nil when nothing is due. It is never later than the next
    /// heartbeat, eviction or slow-consumer deadline; it may be earlier (a client heard from
    /// since), and that tick then does nothing but reschedule.
    public var nextDeadline: UInt64? {
        deadlines.min?.deadline
    }

    /// The flow-control actions decided since the last call, in order. The driver applies
    /// them after sending the messages of the same call.
    public func takeActions() -> [BrokerAction] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    /// Handles one message from `client` (its routing id), frames as the ROUTER delivered
    /// them after the routing-id frame. Returns the replies and fan-out to send, in order.
    public func handle(client id: [UInt8], frames: [[UInt8]], now: UInt64) -> [Outgoing] {
        var out: [Outgoing] = []
        handle(client: id, frames: frames, now: now, into: &out)
        return out
    }

    /// `handle`, appending to `out`: the driver reuses one buffer rather than allocate an
    /// array per client message.
    func handle(client id: [UInt8], frames: [[UInt8]], now: UInt64, into out: inout [Outgoing]) {
        counters.messagesIn += 1
        latest = max(latest, now)
        let client = clients[id]
        // Anything a client sends proves it is alive, even a malformed message.
        if let client { client.lastHeard = max(client.lastHeard, now) }
        do {
            try process(id: id, client: client, frames: frames, now: now, into: &out)
        } catch {
            counters.errors += 1
            log(.debug, "client \(clientID(id)): ERROR \(error.text)")
            let reply = MC0Message.error(message: error.text, id: MC0Message.bestEffortID(in: frames))
            send(reply.frames(), to: id, client: clients[id], from: id, now: now, into: &out)
        }
    }

    /// Sends heartbeat NOOPs that are due, forgets clients silent for 1.05 TTL and
    /// disconnects slow consumers.
    public func tick(now: UInt64) -> [Outgoing] {
        var out: [Outgoing] = []
        latest = max(latest, now)
        while let entry = deadlines.min, entry.deadline <= now {
            deadlines.popMin()
            guard entry.isLive else { continue }
            let client = entry.client
            if now >= client.slowConsumerAt {
                if flow.holdsOthers(client.id) {
                    disconnectSlowConsumer(client, now: now)
                    continue
                }
                client.slowConsumerAt = .max  // those it held have gone
            }
            if now >= client.evictAt(paused: flow.isPaused(client.id)) {
                counters.evictions += 1
                log(.info, "client \(clientID(client.id)): evicted, silent for \((now - client.lastHeard) / 1_000_000) ms (TTL \(client.ttlMilliseconds) ms)")
                forget(client)
                continue
            }
            if now >= client.heartbeatDue {
                // A full queue means traffic is already on its way to the client: no NOOP needed.
                if !checkFull(client.id, client: client, now: now) {
                    out.append(Outgoing(client: client.id, frames: Self.noopFrames))
                    counters.messagesOut += 1
                }
                client.lastSent = now
                client.drawHeartbeatDelay(jitter: jitter())
            }
            schedule(client)
        }
        deadlines.dropStaleTop()
        return out
    }

    /// The transport lost the peer: forget it and its subscriptions; whoever waited for it
    /// is read again.
    public func disconnected(client id: [UInt8]) {
        guard let client = clients[id] else {
            releaseFlow(of: id)
            return
        }
        log(.info, "client \(clientID(id)): transport closed")
        forget(client)
    }

    /// The client's send queue, found at its high-water mark, has drained to the low-water
    /// mark: the clients waiting for it are read again.
    public func drained(client id: [UInt8], now: UInt64) {
        latest = max(latest, now)
        if let client = clients[id] {
            client.fullSince = nil
            client.slowConsumerAt = .max
        }
        for sender in flow.release(id) { resume(sender, now: now) }
    }

    static let noopFrames = MC0Message.noop.frames()

    // MARK: - Shared by the verb handlers

    func connect(_ client: BrokerClient) {
        clients[client.id] = client
        client.drawHeartbeatDelay(jitter: jitter())
        schedule(client)
    }

    /// Removes the client and its subscriptions; empty topics leave the table, and whoever
    /// waited for the client is read again (the client too, unless it is being closed).
    func forget(_ client: BrokerClient, closing: Bool = false) {
        client.connected = false
        clients[client.id] = nil
        let key = ObjectIdentifier(client)
        for topic in client.topics {
            topics[topic]?[key] = nil
            if topics[topic]?.isEmpty == true {
                topics[topic] = nil
                clusterTopicRemoved(topic)
            }
        }
        client.topics = []
        releaseFlow(of: client.id, closing: closing)
        deadlines.dropStaleTop()
        // Churn (connect/disconnect loops) leaves stale entries: keep the heap bounded.
        if deadlines.count > 2 * clients.count + 64 { deadlines.compact() }
    }

    /// Queues `frames` for `id`, always. When the recipient's queue is at its mark, `sender`
    /// (the client whose message this answers or forwards) waits for it to drain, and a
    /// recipient that holds up another client starts its slow-consumer clock.
    func send(_ frames: [[UInt8]], to id: [UInt8], client: BrokerClient?, from sender: [UInt8], now: UInt64,
              into out: inout [Outgoing]) {
        if checkFull(id, client: client, now: now) {
            if flow.block(sender, on: id) { actions.append(.pauseReading(client: sender)) }
            if sender != id, let client, client.slowConsumerAt == .max {
                client.slowConsumerAt = saturatingAdd(now, config.slowConsumerTimeout)
                schedule(client)
            }
        }
        out.append(Outgoing(client: id, frames: frames))
        counters.messagesOut += 1
        client?.lastSent = max(client?.lastSent ?? 0, now)
    }

    // MARK: - Flow control

    /// Whether `id`'s queue is at its mark (noted in the client's `fullSince`).
    private func checkFull(_ id: [UInt8], client: BrokerClient?, now: UInt64) -> Bool {
        guard isFull(id) else { return false }
        if let client, client.fullSince == nil { client.fullSince = now }
        return true
    }

    private func resume(_ id: [UInt8], now: UInt64) {
        actions.append(.resumeReading(client: id))
        guard let client = clients[id] else { return }
        // It could not be heard while paused: its silence starts now.
        client.lastHeard = max(client.lastHeard, now)
        schedule(client)
    }

    /// Drops `id` from the flow tables: those waiting only for it are read again, and so is
    /// `id` itself if it was paused (it may still hold the connection: after DISCONNECT).
    private func releaseFlow(of id: [UInt8], closing: Bool = false) {
        let (resumed, wasPaused) = flow.remove(id)
        if wasPaused && !closing { actions.append(.resumeReading(client: id)) }
        for sender in resumed { resume(sender, now: latest) }
    }

    private func disconnectSlowConsumer(_ client: BrokerClient, now: UInt64) {
        counters.slowConsumers += 1
        let waited = (now &- (client.fullSince ?? now)) / 1_000_000
        log(.warning, "client \(clientID(client.id)): slow consumer, its queue stayed at the limit (\(config.maxQueuedPerClient) messages or \(config.maxQueuedBytesPerClient) bytes) for \(waited) ms: disconnected")
        forget(client, closing: true)
        let text = BrokerRefusal.slowConsumer(timeoutMilliseconds: config.slowConsumerTimeout / 1_000_000).text
        actions.append(.disconnect(client: client.id, finalMessage: MC0Message.error(message: text, id: nil).frames()))
    }

    /// Files the client at its deadline (none when nothing is ever due for it).
    func schedule(_ client: BrokerClient) {
        let deadline = client.deadline(paused: flow.isPaused(client.id))
        if deadline != .max { deadlines.schedule(client, at: deadline) }
    }
}
