/// The cluster link's counters, for the stats line and the metrics (`mc0d_cluster_*`).
public struct ClusterStats: Equatable, Sendable {
    /// Connected to a NATS server now.
    public var connected = false
    /// NATS subscriptions held: topics with at least one local subscriber.
    public var subscriptions = 0
    /// PUTs accepted here and queued for NATS.
    public var published: UInt64 = 0
    /// Messages from other brokers received from NATS.
    public var received: UInt64 = 0
    /// MESSAGEs queued for local subscribers from those messages.
    public var deliveries: UInt64 = 0
    /// PUTs not published: the outgoing buffer was full (NATS slow or away too long).
    public var droppedBufferFull: UInt64 = 0
    /// PUTs larger than the NATS servers' `max_payload`: delivered locally only.
    public var droppedTooLarge: UInt64 = 0
    /// PUTs queued but not written when the NATS connection was lost.
    public var droppedDisconnected: UInt64 = 0
    /// Received messages that did not decode as an mc0 envelope.
    public var droppedMalformed: UInt64 = 0
    /// Received messages that this broker published itself (never, with echo off).
    public var droppedOwn: UInt64 = 0
    /// Received messages whose topic had no local subscriber any more.
    public var droppedNoSubscribers: UInt64 = 0
    /// NATS connections made after the first.
    public var reconnects: UInt64 = 0
    /// `-ERR` lines from NATS servers.
    public var serverErrors: UInt64 = 0
    /// Bytes queued for NATS and not yet written.
    public var pendingBytes = 0

    /// All zero.
    public init() {}

    /// All messages lost on this broker's cluster link.
    public var dropped: UInt64 {
        droppedBufferFull + droppedTooLarge + droppedDisconnected + droppedMalformed + droppedOwn + droppedNoSubscribers
    }
}
