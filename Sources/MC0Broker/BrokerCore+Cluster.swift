import MC0

/// The core's side of clustering: it reports topic changes and accepted PUTs as `ClusterWork`
/// (when `clusterEnabled`), and delivers messages that came from other brokers.
extension BrokerCore {
    /// The sender named in flow control for messages from the cluster: not a client (a ZMTP
    /// routing id is never empty). When it is paused the driver stops reading from NATS.
    public static let clusterPeer: [UInt8] = []

    /// The cluster work decided since the last call, in order.
    public func takeClusterWork() -> [ClusterWork] {
        defer { clusterWork.removeAll(keepingCapacity: true) }
        return clusterWork
    }

    /// Delivers a message another broker accepted to the local subscribers of `topic`, as a
    /// local PUT would be (the same MESSAGE layout), and never publishes it again. Returns the
    /// number of recipients (0: nobody here subscribes now). A full subscriber pauses the
    /// cluster link (`BrokerAction.pauseReading(client: BrokerCore.clusterPeer)`) and starts
    /// its slow-consumer clock, as a local publisher would.
    @discardableResult
    public func deliverRemote(topic: [UInt8], headers: [(key: String, value: [UInt8])], body: [[UInt8]], now: UInt64,
                              into out: inout [Outgoing]) -> Int {
        latest = max(latest, now)
        guard !topic.isEmpty, topic.count <= config.maxTopicLength, let subscribers = topics[topic] else { return 0 }
        let forwarded = headers.filter { $0.key != MC0Header.id && $0.key != MC0Header.topic }
        let frames = MC0Message.message(topic: topic, headers: forwarded, body: body).frames()
        for subscriber in subscribers.values {
            send(frames, to: subscriber.id, client: subscriber, from: Self.clusterPeer, now: now, into: &out)
        }
        return subscribers.count
    }

    func clusterTopicAdded(_ topic: [UInt8]) {
        if clusterEnabled { clusterWork.append(.subscribe(topic: topic)) }
    }

    func clusterTopicRemoved(_ topic: [UInt8]) {
        if clusterEnabled { clusterWork.append(.unsubscribe(topic: topic)) }
    }
}
