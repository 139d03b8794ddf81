import Logging
import NATSClient
import NATSWire
import ZMTP

/// The broker's link to a NATS cluster: one NATS subscription per topic with local
/// subscribers, one publish per accepted PUT, and delivery of what other brokers published.
/// Messages carry the broker's random id, and the connection asks NATS not to echo our own
/// publications: each message reaches a broker's subscribers once, from the broker that
/// accepted it, and is never published again, so it cannot loop. Loop-confined.
final class BrokerCluster {
    let connection: NATSConnection
    /// Random, per process: tells our own messages from other brokers' ones.
    let brokerID: [UInt8]
    private let loop: EventLoop
    private let logger: Logger
    private let maxFrames: Int
    private var sids: [[UInt8]: UInt64] = [:]
    private var topicsBySID: [UInt64: [UInt8]] = [:]
    private var counters = ClusterStats()
    /// Hands a message from another broker to the core; returns its recipients.
    var deliver: (_ topic: [UInt8], _ envelope: ClusterEnvelope) -> Int = { _, _ in 0 }

    init(options: NATSClientOptions, loop: EventLoop, maxFrames: Int, logger: Logger) {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let hex = Array("0123456789abcdef".utf8)
        brokerID = id.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0F)]] }
        var options = options
        options.connect.echo = false
        if options.connect.name.isEmpty { options.connect.name = "mc0d " + String(decoding: brokerID, as: UTF8.self) }
        self.loop = loop
        self.logger = logger
        self.maxFrames = maxFrames
        var received: (NATSMessage) -> Void = { _ in }
        connection = NATSConnection(options: options, loop: loop, logger: logger, onMessage: { received($0) })
        // The connection outlives no broker: BrokerDriverRunner closes it on stop.
        received = { [unowned self] in self.received($0) }
    }

    func start() {
        assert(loop.inLoop, "the cluster link is confined to the broker's loop thread")
        connection.start()
    }

    func close() {
        assert(loop.inLoop, "the cluster link is confined to the broker's loop thread")
        connection.close()
    }

    func apply(_ work: [ClusterWork]) {
        assert(loop.inLoop, "the cluster link is confined to the broker's loop thread")
        for item in work {
            switch item {
            case .subscribe(let topic):
                guard sids[topic] == nil else { continue }
                do {
                    let sid = try connection.subscribe(ClusterSubject.subject(for: topic))
                    sids[topic] = sid
                    topicsBySID[sid] = topic
                } catch {
                    logger.error("cluster: cannot subscribe: \(error)")
                }
            case .unsubscribe(let topic):
                guard let sid = sids.removeValue(forKey: topic) else { continue }
                topicsBySID[sid] = nil
                connection.unsubscribe(sid)
            case .publish(let topic, let headers, let body):
                let payload = ClusterEnvelope(origin: brokerID, headers: headers, body: body).encoded()
                if connection.publish(subject: ClusterSubject.subject(for: topic), payload: payload) {
                    counters.published += 1
                }
            }
        }
    }

    func pauseReading() { connection.pauseReading() }
    func resumeReading() { connection.resumeReading() }

    private func received(_ message: NATSMessage) {
        counters.received += 1
        guard let topic = topicsBySID[message.sid] else {
            counters.droppedNoSubscribers += 1
            return
        }
        guard let envelope = ClusterEnvelope(decoding: message.payload, maxFrames: maxFrames) else {
            counters.droppedMalformed += 1
            logger.debug("cluster: a message on \(message.subject) is not an mc0 envelope")
            return
        }
        guard envelope.origin != brokerID else {
            counters.droppedOwn += 1
            return
        }
        let recipients = deliver(topic, envelope)
        if recipients == 0 { counters.droppedNoSubscribers += 1 }
        counters.deliveries += UInt64(recipients)
    }

    var stats: ClusterStats {
        var stats = counters
        let link = connection.stats
        stats.connected = link.connected
        stats.subscriptions = sids.count
        stats.droppedBufferFull = link.droppedBufferFull
        stats.droppedTooLarge = link.droppedRefused
        stats.droppedDisconnected = link.droppedDisconnected
        stats.reconnects = link.reconnects
        stats.serverErrors = link.serverErrors
        stats.pendingBytes = link.pendingBytes
        return stats
    }
}
