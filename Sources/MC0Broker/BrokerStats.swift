/// One message for the driver to send: it prepends `client` as the routing-id frame.
public struct Outgoing: Equatable, Sendable {
    public var client: [UInt8]
    public var frames: [[UInt8]]

    public init(client: [UInt8], frames: [[UInt8]]) {
        self.client = client
        self.frames = frames
    }
}

/// Counters for the periodic stats line. Counts are totals since the core was made.
public struct BrokerStats: Equatable, Sendable {
    /// Connected clients now.
    public var clients: Int
    /// Topics with at least one subscriber now (the topic table's size).
    public var topics: Int
    /// Client messages handled, well-formed or not.
    public var messagesIn: UInt64
    /// Messages handed to the driver (replies, MESSAGE fan-out, heartbeats).
    public var messagesOut: UInt64
    /// Messages not sent because the client's send pipe was at its high-water mark.
    public var drops: UInt64
    /// ERROR replies.
    public var errors: UInt64
    /// Clients forgotten after 1.05 TTL of silence.
    public var evictions: UInt64

    public init(clients: Int = 0, topics: Int = 0, messagesIn: UInt64 = 0, messagesOut: UInt64 = 0,
                drops: UInt64 = 0, errors: UInt64 = 0, evictions: UInt64 = 0) {
        self.clients = clients
        self.topics = topics
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.drops = drops
        self.errors = errors
        self.evictions = evictions
    }
}

/// What the core knows about one connected client (for diagnostics and tests).
public struct BrokerClientInfo: Equatable, Sendable {
    public var ttlMilliseconds: UInt64
    public var topics: Set<[UInt8]>
    /// Messages dropped for this client because its send pipe was full.
    public var drops: UInt64
    /// Monotonic nanoseconds of the last message from / to the client.
    public var lastHeard: UInt64
    public var lastSent: UInt64
}
