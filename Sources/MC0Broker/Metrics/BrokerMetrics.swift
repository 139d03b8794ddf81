import MC0
import Synchronization
import ZMTP

/// The broker's own metrics state beside the core's counters: handshake failures by reason,
/// the delivery-latency histogram and the authorized-keys reloads. Loop-confined except the
/// reload counters (SIGHUP arrives on another thread), which are atomics.
final class BrokerMetrics: @unchecked Sendable {
    private let loop: EventLoop
    /// "curve" or "null": the `mechanism` label of handshake failures.
    let mechanism: String
    private var handshakeFailures: [String: UInt64] = [:]
    /// Updated per PUT on the loop thread: no dynamic exclusivity check.
    @exclusivity(unchecked) var latency = DeliveryLatency()
    let keyReloads = Atomic<UInt64>(0)
    let keyReloadFailures = Atomic<UInt64>(0)

    init(loop: EventLoop, mechanism: String) {
        self.loop = loop
        self.mechanism = mechanism
    }

    func handshakeFailed(_ error: ZMTPError) {
        assert(loop.inLoop, "broker metrics are loop-confined")
        handshakeFailures[error.metricReason, default: 0] += 1
    }

    /// The whole exposition: the broker's metrics, the process's and what the ZMTP library
    /// reported through `backend` (if mc0d bootstrapped one). Loop thread.
    func render(core: BrokerCore, socket: ZMTPSocket, sendFailures: UInt64, authorizer: CurveAuthorizer?,
                backend: PrometheusBackend?, cluster: ClusterStats? = nil) -> String {
        assert(loop.inLoop, "broker metrics are loop-confined")
        var out = PrometheusText()
        let stats = core.stats
        let traffic = core.traffic
        out.family("mc0d_build_info", type: "gauge", help: "Always 1; the label says which mc0d this is.")
        out.sample("mc0d_build_info", [("version", MC0Release.version)], 1)
        out.single("mc0d_clients", type: "gauge", help: "Clients with a session (CONNECT seen, not yet gone).", UInt64(stats.clients))
        out.single("mc0d_topics", type: "gauge", help: "Topics with at least one subscriber.", UInt64(stats.topics))
        out.single("mc0d_subscriptions", type: "gauge", help: "Client-topic subscriptions.",
                   UInt64(core.topics.values.reduce(0) { $0 + $1.count }))
        out.single("mc0d_paused_clients", type: "gauge", help: "Clients not read now because a recipient of their messages is at its queue limit.", UInt64(stats.paused))

        out.family("mc0d_messages_received_total", type: "counter", help: "Client messages handled, by verb; invalid: not parsed, or a verb only the broker sends.")
        for (index, verb) in Verb.fromClient.enumerated() {
            out.sample("mc0d_messages_received_total", [("verb", verb.rawValue)], traffic.received[index])
        }
        out.sample("mc0d_messages_received_total", [("verb", "invalid")], stats.messagesIn - traffic.received.reduce(0, +))
        out.single("mc0d_messages_sent_total", type: "counter", help: "Messages queued for clients: replies, MESSAGE deliveries, heartbeat NOOPs.", stats.messagesOut)
        out.single("mc0d_deliveries_total", type: "counter", help: "MESSAGEs queued for subscribers (PUT fan-out).", traffic.deliveries)
        out.single("mc0d_errors_total", type: "counter", help: "ERROR replies to clients.", stats.errors)

        out.family("mc0d_dropped_messages_total", type: "counter", help: "Messages that reached nobody: no_subscribers, a PUT to a topic without subscribers; peer_gone, a message for a client whose connection closed before it was queued.")
        out.sample("mc0d_dropped_messages_total", [("reason", "no_subscribers")], traffic.unsubscribedPuts)
        out.sample("mc0d_dropped_messages_total", [("reason", "peer_gone")], sendFailures)
        out.family("mc0d_evictions_total", type: "counter", help: "Clients disconnected by the broker: heartbeat, silent past 1.05 TTL; slow_consumer, queue full past --slow-consumer-timeout.")
        out.sample("mc0d_evictions_total", [("reason", "heartbeat")], stats.evictions)
        out.sample("mc0d_evictions_total", [("reason", "slow_consumer")], stats.slowConsumers)
        out.family("mc0d_handshake_failures_total", type: "counter", help: "ZMTP handshakes that did not complete, by reason (refused: the mechanism refused the client, e.g. a key not authorized).")
        for reason in ZMTPError.metricReasons {
            out.sample("mc0d_handshake_failures_total", [("mechanism", mechanism), ("reason", reason)], handshakeFailures[reason, default: 0])
        }

        let queued = socket.queuedOutbound
        out.single("mc0d_queued_messages", type: "gauge", help: "Messages queued for clients, not yet taken for writing.", UInt64(queued.messages))
        out.single("mc0d_queued_bytes", type: "gauge", help: "Payload bytes of the queued messages.", UInt64(queued.bytes))
        latency.write(into: &out)

        if let count = authorizer?.allowedCount {
            out.single("mc0d_authorized_keys", type: "gauge", help: "Client public keys in the --authorized-keys list.", UInt64(count))
        }
        out.family("mc0d_authorized_keys_reloads_total", type: "counter", help: "Reloads of --authorized-keys on SIGHUP, by result.")
        out.sample("mc0d_authorized_keys_reloads_total", [("result", "success")], keyReloads.load(ordering: .relaxed))
        out.sample("mc0d_authorized_keys_reloads_total", [("result", "failure")], keyReloadFailures.load(ordering: .relaxed))

        if let cluster { Self.write(cluster, into: &out) }
        ProcessMetrics.write(into: &out)
        backend?.write(into: &out)
        return out.text
    }
}
