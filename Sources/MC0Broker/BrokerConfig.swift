/// Limits and timing of the broker core. Every limit bounds memory a client can make the
/// broker hold; each violation is answered with an ERROR (see PROTOCOL.md, "Limits").
public struct BrokerConfig: Sendable, Equatable {
    /// High-water mark of a client's send pipe, in messages. The core does not count queued
    /// messages itself: the driver sets its ROUTER's per-peer HWM from this value and reports
    /// a full pipe through the `canSend` closure given to `BrokerCore.init`.
    public var maxQueuedPerClient: Int
    /// The same pipe's limit in bytes, so a slow reader of large messages cannot make the
    /// broker hold maxQueuedPerClient × maxMessageBytes (16 GB with the defaults).
    public var maxQueuedBytesPerClient: Int
    /// Accepted CONNECT TTL values, in milliseconds. Out-of-range TTLs are refused rather
    /// than clamped: a clamped TTL would make the broker evict a client that heartbeats on
    /// its own, longer schedule.
    public var ttlRange: ClosedRange<UInt64>
    /// Accepted CONNECT VERSION values. 0.2 and 0.3 share the same message layout.
    public var acceptedVersions: Set<String>
    public var maxClients: Int
    public var maxTopicsPerClient: Int
    /// Maximum topic length in bytes (SUB topics and the PUT TOPIC header).
    public var maxTopicLength: Int
    /// Maximum size of one client message: the sum of its frame sizes. The driver should also
    /// give its ROUTER a maximum message size so an oversized message is refused before it is
    /// buffered whole.
    public var maxMessageBytes: Int
    public var maxFramesPerMessage: Int
    /// Minimum time between two "dropped messages" log lines for one client, in nanoseconds.
    public var dropLogInterval: UInt64

    public init(
        maxQueuedPerClient: Int = 1000,
        maxQueuedBytesPerClient: Int = 64 << 20,
        ttlRange: ClosedRange<UInt64> = 100...3_600_000,
        acceptedVersions: Set<String> = ["0.2", "0.3"],
        maxClients: Int = 100_000,
        maxTopicsPerClient: Int = 1024,
        maxTopicLength: Int = 512,
        maxMessageBytes: Int = 16 << 20,
        maxFramesPerMessage: Int = 1024,
        dropLogInterval: UInt64 = 10_000_000_000
    ) {
        self.maxQueuedPerClient = maxQueuedPerClient
        self.maxQueuedBytesPerClient = maxQueuedBytesPerClient
        self.ttlRange = ttlRange
        self.acceptedVersions = acceptedVersions
        self.maxClients = maxClients
        self.maxTopicsPerClient = maxTopicsPerClient
        self.maxTopicLength = maxTopicLength
        self.maxMessageBytes = maxMessageBytes
        self.maxFramesPerMessage = maxFramesPerMessage
        self.dropLogInterval = dropLogInterval
    }
}
