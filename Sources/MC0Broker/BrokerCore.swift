import Logging
import MC0

/// The mc0 broker without I/O: client messages and clock ticks in, messages to send out.
/// It never touches a socket or a clock (time is `now`, monotonic nanoseconds, given by the
/// caller) and is not thread-safe: the driver calls it on its loop thread only.
public final class BrokerCore {
    public let config: BrokerConfig
    private let canSend: ([UInt8]) -> Bool
    private let jitter: () -> Double
    let log: (Logger.Level, String) -> Void

    var clients: [[UInt8]: BrokerClient] = [:]
    /// Topic -> subscribers. A topic with no subscribers has no entry.
    var topics: [[UInt8]: [ObjectIdentifier: BrokerClient]] = [:]
    private var deadlines = BrokerDeadlineHeap()
    private var counters = BrokerStats()

    /// - Parameters:
    ///   - canSend: whether a client's send pipe is below its high-water mark. A message to a
    ///     client whose pipe is full is dropped and counted (per client and in `stats`), so a
    ///     slow subscriber can neither grow the broker's memory nor delay anyone else. Asked
    ///     once per outgoing message, before the batch is handed back.
    ///   - jitter: a value in 0..<1 that spreads heartbeat NOOPs (random by default).
    ///   - log: where log lines go; drop reports are rate-limited per client.
    public init(
        config: BrokerConfig = BrokerConfig(),
        canSend: @escaping ([UInt8]) -> Bool = { _ in true },
        jitter: @escaping () -> Double = { Double.random(in: 0..<1) },
        log: @escaping (Logger.Level, String) -> Void = { _, _ in }
    ) {
        self.config = config
        self.canSend = canSend
        self.jitter = jitter
        self.log = log
    }

    public var stats: BrokerStats {
        var stats = counters
        stats.clients = clients.count
        stats.topics = topics.count
        return stats
    }

    /// The connected client with this routing id, or nil.
    public func client(_ id: [UInt8]) -> BrokerClientInfo? {
        clients[id]?.info
    }

    /// When `tick` must next run, or nil when no client is connected. It is never later than
    /// the next heartbeat or eviction; it may be earlier (a client heard from since), and
    /// that tick then does nothing but reschedule.
    public var nextDeadline: UInt64? {
        deadlines.min?.deadline
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
        let client = clients[id]
        // Anything a client sends proves it is alive, even a malformed message.
        if let client { client.lastHeard = max(client.lastHeard, now) }
        do {
            try process(id: id, client: client, frames: frames, now: now, into: &out)
        } catch {
            counters.errors += 1
            log(.debug, "client \(hexID(id)): ERROR \(error.text)")
            let reply = MC0Message.error(message: error.text, id: MC0Message.bestEffortID(in: frames))
            send(reply.frames(), to: id, client: clients[id], now: now, into: &out)
        }
    }

    /// Sends heartbeat NOOPs that are due and forgets clients silent for 1.05 TTL.
    public func tick(now: UInt64) -> [Outgoing] {
        var out: [Outgoing] = []
        while let entry = deadlines.min, entry.deadline <= now {
            deadlines.popMin()
            guard entry.isLive else { continue }
            let client = entry.client
            if now >= client.evictAt {
                counters.evictions += 1
                log(.info, "client \(hexID(client.id)): evicted, silent for \((now - client.lastHeard) / 1_000_000) ms (TTL \(client.ttlMilliseconds) ms)")
                forget(client)
                continue
            }
            if now >= client.heartbeatDue {
                if canSend(client.id) {
                    out.append(Outgoing(client: client.id, frames: Self.noopFrames))
                    counters.messagesOut += 1
                }
                // A full pipe means traffic is already queued for the client: no NOOP needed.
                client.lastSent = now
                client.drawHeartbeatDelay(jitter: jitter())
            }
            deadlines.schedule(client, at: client.deadline)
        }
        deadlines.dropStaleTop()
        return out
    }

    /// The transport lost the peer: forget it and its subscriptions.
    public func disconnected(client id: [UInt8]) {
        guard let client = clients[id] else { return }
        log(.info, "client \(hexID(id)): transport closed")
        forget(client)
    }

    static let noopFrames = MC0Message.noop.frames()

    // MARK: - Shared by the verb handlers

    func connect(_ client: BrokerClient) {
        clients[client.id] = client
        client.drawHeartbeatDelay(jitter: jitter())
        deadlines.schedule(client, at: client.deadline)
    }

    /// Removes the client and its subscriptions; empty topics leave the table.
    func forget(_ client: BrokerClient) {
        client.connected = false
        clients[client.id] = nil
        let key = ObjectIdentifier(client)
        for topic in client.topics {
            topics[topic]?[key] = nil
            if topics[topic]?.isEmpty == true { topics[topic] = nil }
        }
        client.topics = []
        deadlines.dropStaleTop()
        // Churn (connect/disconnect loops) leaves stale entries: keep the heap bounded.
        if deadlines.count > 2 * clients.count + 64 { deadlines.compact() }
    }

    /// Queues `frames` for `id` unless its pipe is full, in which case the drop is counted
    /// and reported (rate-limited).
    func send(_ frames: [[UInt8]], to id: [UInt8], client: BrokerClient?, now: UInt64, into out: inout [Outgoing]) {
        guard canSend(id) else {
            counters.drops += 1
            guard let client else { return }
            client.drops += 1
            client.dropsSinceLog += 1
            if client.lastDropLog.map({ now &- $0 >= config.dropLogInterval }) ?? true {
                log(.warning, "client \(hexID(id)): send pipe full (\(config.maxQueuedPerClient) messages), dropped \(client.dropsSinceLog) message(s) since the last report, \(client.drops) in all")
                client.dropsSinceLog = 0
                client.lastDropLog = now
            }
            return
        }
        out.append(Outgoing(client: id, frames: frames))
        counters.messagesOut += 1
        client?.lastSent = max(client?.lastSent ?? 0, now)
    }
}
