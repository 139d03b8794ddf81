import MC0

/// What the core has handled, by kind, for the metrics endpoint. Plain integers updated inline
/// by the core on its loop thread (no atomics on the message path) and read there at a scrape.
public struct BrokerTraffic: Equatable, Sendable {
    /// Parsed client messages by verb, in `Verb.fromClient` order. The rest of
    /// `BrokerStats.messagesIn` did not parse, or carried a verb only the broker sends.
    public private(set) var received: [UInt64] = Array(repeating: 0, count: Verb.fromClient.count)
    /// MESSAGEs handed to the driver for subscribers (PUT fan-out).
    public internal(set) var deliveries: UInt64 = 0
    /// PUTs to a topic nobody subscribes to: nothing to deliver, the message goes nowhere.
    public internal(set) var unsubscribedPuts: UInt64 = 0

    mutating func count(_ verb: Verb) {
        guard let slot = Verb.fromClient.firstIndex(of: verb) else { return }
        received[slot] += 1
    }
}
