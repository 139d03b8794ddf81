/// What the core asks of the cluster link, in order: hold a NATS subscription for a topic that
/// gained its first local subscriber, drop it when the last one left, publish an accepted PUT.
public enum ClusterWork: Sendable {
    case subscribe(topic: [UInt8])
    case unsubscribe(topic: [UInt8])
    case publish(topic: [UInt8], headers: [(key: String, value: [UInt8])], body: [[UInt8]])
}
