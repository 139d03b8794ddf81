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
    /// Clients not read now because a recipient of their messages is at its high-water mark.
    public var paused: Int
    /// ERROR replies.
    public var errors: UInt64
    /// Clients forgotten after 1.05 TTL of silence.
    public var evictions: UInt64
    /// Clients disconnected because their queue stayed at the mark past the slow-consumer timeout.
    public var slowConsumers: UInt64

    public init(clients: Int = 0, topics: Int = 0, messagesIn: UInt64 = 0, messagesOut: UInt64 = 0,
                paused: Int = 0, errors: UInt64 = 0, evictions: UInt64 = 0, slowConsumers: UInt64 = 0) {
        self.clients = clients
        self.topics = topics
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.paused = paused
        self.errors = errors
        self.evictions = evictions
        self.slowConsumers = slowConsumers
    }
}

/// What the core knows about one connected client (for diagnostics and tests).
public struct BrokerClientInfo: Equatable, Sendable {
    /// 0: the client gave no TTL (no heartbeats, no eviction for silence).
    public var ttlMilliseconds: UInt64
    public var topics: Set<[UInt8]>
    /// Reading from the client is paused until the recipients it waits for drain.
    public var paused: Bool
    /// Since when its send queue has been at the high-water mark (nil: below it).
    public var fullSince: UInt64?
    /// Monotonic nanoseconds of the last message from / to the client.
    public var lastHeard: UInt64
    public var lastSent: UInt64
}
