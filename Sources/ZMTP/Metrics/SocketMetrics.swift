import CoreMetrics

/// A socket's counters, reported through swift-metrics to whatever backend the application
/// bootstrapped (none: swift-metrics' no-op). Made once per socket, so the backend is asked for
/// its handlers once, not per message. The connections update them once per read wake-up or
/// flush with what that call moved, never per message.
///
/// Every metric carries the dimension `socket` (`SocketOptions.metricsName`, else the socket
/// type in lower case).
public final class SocketMetrics: Sendable {
    let messagesReceived: Counter
    let bytesReceived: Counter
    let messagesSent: Counter
    let bytesSent: Counter
    /// Messages dropped: a peer's queue was at its high-water mark (ROUTER, PUB, XPUB, XSUB),
    /// or a ROUTER had no such peer.
    let droppedAtHighWaterMark: Counter
    let droppedUnroutable: Counter
    /// Handshakes completed (connections that became usable).
    let connectionsOpened: Counter
    /// Open TCP connections, handshaking or not. A meter (added to, not set), so sockets that
    /// share a name add up.
    let connections: Meter
    private let name: String

    init(name: String) {
        self.name = name
        let socket = [("socket", name)]
        messagesReceived = Counter(label: "zmtp_messages_received_total", dimensions: socket)
        bytesReceived = Counter(label: "zmtp_bytes_received_total", dimensions: socket)
        messagesSent = Counter(label: "zmtp_messages_sent_total", dimensions: socket)
        bytesSent = Counter(label: "zmtp_bytes_sent_total", dimensions: socket)
        droppedAtHighWaterMark = Counter(label: "zmtp_dropped_messages_total", dimensions: socket + [("reason", "high_water_mark")])
        droppedUnroutable = Counter(label: "zmtp_dropped_messages_total", dimensions: socket + [("reason", "unroutable")])
        connectionsOpened = Counter(label: "zmtp_connections_total", dimensions: socket)
        connections = Meter(label: "zmtp_connections", dimensions: socket)
    }

    /// What each metric means, for backends that show help text (swift-metrics carries none).
    public static let help: [String: String] = [
        "zmtp_messages_received_total": "Messages received from peers.",
        "zmtp_bytes_received_total": "Bytes read from peers' connections, framing and handshakes included.",
        "zmtp_messages_sent_total": "Messages taken from the send queues and encoded for peers.",
        "zmtp_bytes_sent_total": "Bytes written to peers' connections, framing and handshakes included.",
        "zmtp_dropped_messages_total": "Messages dropped: high_water_mark, a peer's queue was full (ROUTER, PUB, XPUB, XSUB); unroutable, a ROUTER had no such peer.",
        "zmtp_handshake_failures_total": "Handshakes that did not complete, by reason.",
        "zmtp_connections_total": "Connections whose handshake completed.",
        "zmtp_connections": "Open TCP connections, in their handshake or not.",
    ]

    /// One counter per failure reason, made on first use (failures are rare; the set of
    /// reasons is small and fixed, see `ZMTPError.metricReason`).
    func handshakeFailed(_ error: ZMTPError) {
        Counter(label: "zmtp_handshake_failures_total", dimensions: [("socket", name), ("reason", error.metricReason)])
            .increment()
    }
}
