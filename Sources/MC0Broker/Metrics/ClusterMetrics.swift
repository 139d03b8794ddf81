extension BrokerMetrics {
    /// The `mc0d_cluster_*` families (docs/mc0d.md, docs/cluster.md).
    static func write(_ cluster: ClusterStats, into out: inout PrometheusText) {
        out.single("mc0d_cluster_connected", type: "gauge", help: "1 while connected to a NATS server of the cluster.", cluster.connected ? 1 : 0)
        out.single("mc0d_cluster_subscriptions", type: "gauge", help: "NATS subscriptions held: topics with local subscribers.", UInt64(cluster.subscriptions))
        out.single("mc0d_cluster_published_total", type: "counter", help: "PUTs accepted here and queued for NATS.", cluster.published)
        out.single("mc0d_cluster_received_total", type: "counter", help: "Messages from NATS.", cluster.received)
        out.single("mc0d_cluster_deliveries_total", type: "counter", help: "MESSAGEs queued for local subscribers from other brokers' PUTs.", cluster.deliveries)
        out.family("mc0d_cluster_dropped_messages_total", type: "counter", help: "Cluster messages lost here, by reason: buffer_full, too_large (over NATS max_payload), disconnected (queued, unwritten when NATS was lost), malformed, own (echo), no_subscribers.")
        for (reason, value) in [("buffer_full", cluster.droppedBufferFull), ("too_large", cluster.droppedTooLarge),
                                ("disconnected", cluster.droppedDisconnected),
                                ("malformed", cluster.droppedMalformed), ("own", cluster.droppedOwn),
                                ("no_subscribers", cluster.droppedNoSubscribers)] {
            out.sample("mc0d_cluster_dropped_messages_total", [("reason", reason)], value)
        }
        out.single("mc0d_cluster_reconnects_total", type: "counter", help: "NATS connections made after the first.", cluster.reconnects)
        out.single("mc0d_cluster_server_errors_total", type: "counter", help: "-ERR lines from NATS servers.", cluster.serverErrors)
        out.single("mc0d_cluster_pending_bytes", type: "gauge", help: "Bytes queued for NATS, not yet written.", UInt64(cluster.pendingBytes))
    }
}
