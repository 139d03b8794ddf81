@_spi(Engine) import ZMTPCore

/// Socket options, with libzmq's names and defaults except where a safer default is noted.
public struct SocketOptions: Sendable {
    /// ZMQ_ROUTING_ID announced to peers (DEALER/ROUTER); empty lets the peer generate one.
    public var identity: [UInt8] = []
    /// ZMQ_SNDHWM / ZMQ_RCVHWM: messages queued per peer in each direction.
    public var sendHighWaterMark = 1000
    public var receiveHighWaterMark = 1000
    /// Bytes queued per peer for sending; nil: only the message count limits. libzmq has no such
    /// limit, so 1000 queued 16 MiB messages are 16 GB; a server facing untrusted slow readers
    /// (the broker) sets one.
    public var sendHighWaterBytes: Int? = nil
    /// ZMQ_ROUTER_MANDATORY: a ROUTER send to an unknown or full peer throws instead of dropping.
    public var routerMandatory = false
    /// ZMQ_ROUTER_HANDOVER: a new connection with a known Identity takes over the routing id.
    /// On by default (libzmq: off): mc0 clients reconnect with a fixed identity, and a lingering
    /// dead connection must not capture their replies.
    public var routerHandover = true
    /// ZMQ_RECONNECT_IVL and ZMQ_RECONNECT_IVL_MAX (0: no exponential backoff, jitter instead).
    public var reconnectInterval: Duration = .milliseconds(100)
    public var reconnectIntervalMax: Duration = .zero
    /// ZMQ_LINGER: how long close() waits for queued messages to be written. libzmq waits
    /// forever by default; a finite default keeps a dead peer from hanging shutdown.
    public var linger: Duration = .seconds(1)
    /// Reading from a peer pauses while more than this many bytes are owed to it, and resumes
    /// once they are down to half: a peer that sends requests and never reads what they earn
    /// (ZMTP PONGs, a server's replies queued past the high-water mark) costs bounded memory.
    /// Owed: encoded output not yet written, plus the queued messages once the queue is at or
    /// past its high-water mark (below it, the mark bounds the senders). Keep it well above
    /// the 256 KiB a connection encodes ahead of the kernel.
    public var maxOwedBytes = 64 << 20
    /// Listen backlog (the kernel clamps it to net.core.somaxconn): connections wait there once
    /// the listener's own waiting room is full. libzmq's 100 makes bursts of connects wait out
    /// TCP's SYN retransmit.
    public var backlog: Int32 = 1024
    /// Accepted connections in their handshake, per listener. Past the cap, accepted connections
    /// wait (`maxWaitingConnections`) until a handshake ends or a stalled one is evicted.
    public var maxHandshakingConnections = 1024
    /// Accepted connections waiting for a handshake slot, per listener: an fd each and nothing
    /// sent yet. When it is full the listener stops accepting and newcomers wait in the backlog.
    /// Accepting them keeps the kernel's queue from overflowing: a connection whose ACK the
    /// kernel dropped at a full queue is held up by TCP's retransmission backoff for seconds
    /// once accepted. At least 1.
    public var maxWaitingConnections = 8192
    /// At the cap, a connection that took no handshake step for this long (or for 4 times the
    /// time steps take lately, when that is longer, up to 8 times this) is evicted to admit a
    /// waiting one; one that keeps stepping never is (the handshake timeout still bounds it).
    public var handshakeStallLimit: Duration = .seconds(2)
    /// Security mechanism for every connection of this socket.
    public var security: Security = .null
    /// Limits and heartbeats of each connection (ZMQ_MAXMSGSIZE, HANDSHAKE_IVL, HEARTBEAT_*).
    package var connection = ConnectionOptions()
    /// The `socket` dimension of this socket's swift-metrics counters (SocketMetrics); empty:
    /// the socket type in lower case.
    public var metricsName = ""
    /// Receives connection events (on the loop thread: keep it short).
    public var onEvent: (@Sendable (SocketEvent) -> Void)? = nil

    public init() {}

    public var maxMessageSize: Int? {
        get { connection.maxMessageSize }
        set { connection.maxMessageSize = newValue }
    }
    /// Most frames one message may have; a message with more closes the connection. nil: no cap.
    public var maxFramesPerMessage: Int? {
        get { connection.maxFramesPerMessage }
        set { connection.maxFramesPerMessage = newValue }
    }
    /// Bytes a peer may send before its handshake completes; more closes the connection.
    public var handshakeByteBudget: Int {
        get { connection.handshakeByteBudget }
        set { connection.handshakeByteBudget = newValue }
    }
    public var handshakeTimeout: Duration {
        get { .nanoseconds(Int64(connection.handshakeTimeout)) }
        set { connection.handshakeTimeout = newValue.nanoseconds }
    }
    public var heartbeatInterval: Duration {
        get { .nanoseconds(Int64(connection.heartbeatInterval)) }
        set { connection.heartbeatInterval = newValue.nanoseconds }
    }
    public var heartbeatTTL: Duration {
        get { .nanoseconds(Int64(connection.heartbeatTTL)) }
        set { connection.heartbeatTTL = newValue.nanoseconds }
    }
    public var heartbeatTimeout: Duration? {
        get { connection.heartbeatTimeout.map { .nanoseconds(Int64($0)) } }
        set { connection.heartbeatTimeout = newValue?.nanoseconds }
    }
}

extension Duration {
    /// Whole nanoseconds, clamped at zero.
    var nanoseconds: UInt64 {
        let (s, atto) = components
        guard s >= 0 else { return 0 }
        return UInt64(s) * 1_000_000_000 + UInt64(max(0, atto) / 1_000_000_000)
    }
}
