/// Limits and timing of the broker core. Every limit bounds memory a client can make the
/// broker hold; each violation is answered with an ERROR (see PROTOCOL.md, "Limits").
public struct BrokerConfig: Sendable, Equatable {
    /// High-water mark of a client's send queue, in messages. The core does not count queued
    /// messages itself: the driver sets its ROUTER's per-peer HWM from this value and reports
    /// a full queue through the `isFull` closure given to `BrokerCore.init`. Messages past the
    /// mark are still queued: the senders that filled it stop being read instead.
    public var maxQueuedPerClient: Int
    /// The same pipe's limit in bytes, so a slow reader of large messages cannot make the
    /// broker hold maxQueuedPerClient × maxMessageBytes (16 GB with the defaults).
    public var maxQueuedBytesPerClient: Int
    /// Accepted CONNECT TTL values, in milliseconds (0, or no TTL, is always accepted: no
    /// heartbeats, no eviction for silence). Out-of-range TTLs are refused rather than
    /// clamped: a clamped TTL would make the broker evict a client that heartbeats on its own
    /// schedule. Below 100 ms a client would have the broker heartbeat it hundreds of times
    /// a second.
    public var ttlRange: ClosedRange<UInt64>
    /// Accepted CONNECT VERSION values. 0.1 (the draft's example), 0.2 (what MCollective's
    /// connector sends) and 0.3 share the same message layout.
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
    /// How long a client's full send queue may hold up other clients (from the first message
    /// of another client that finds it at its high-water mark, until it drains to the
    /// low-water mark) before the client is sent an ERROR and disconnected, in nanoseconds.
    /// Meanwhile the clients whose messages wait for it are not read. A client full only of
    /// its own replies holds up nobody but itself: it is paused, not disconnected.
    public var slowConsumerTimeout: UInt64

    public init(
        maxQueuedPerClient: Int = 1000,
        maxQueuedBytesPerClient: Int = 64 << 20,
        ttlRange: ClosedRange<UInt64> = 100...999_999_999_999,
        acceptedVersions: Set<String> = ["0.1", "0.2", "0.3"],
        maxClients: Int = 100_000,
        maxTopicsPerClient: Int = 1024,
        maxTopicLength: Int = 512,
        maxMessageBytes: Int = 16 << 20,
        maxFramesPerMessage: Int = 1024,
        slowConsumerTimeout: UInt64 = 5_000_000_000
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
        self.slowConsumerTimeout = slowConsumerTimeout
    }
}
