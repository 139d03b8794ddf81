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
    /// Not counted in a cluster, where the PUT goes on to the other brokers.
    public internal(set) var unsubscribedPuts: UInt64 = 0

    /// A switch rather than a search of `Verb.fromClient`: this runs for every message.
    mutating func count(_ verb: Verb) {
        switch verb {
        case .connect: received[0] += 1
        case .disconnect: received[1] += 1
        case .sub: received[2] += 1
        case .unsub: received[3] += 1
        case .put: received[4] += 1
        case .noop: received[5] += 1
        case .message, .error, .ok: break
        }
    }
}
