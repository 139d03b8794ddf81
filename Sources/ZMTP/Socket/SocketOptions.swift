@_spi(Engine) import ZMTPCore

/// Socket options, with libzmq's names and defaults except where a safer default is noted.
public struct SocketOptions: Sendable {
    /// ZMQ_ROUTING_ID announced to peers (DEALER/ROUTER); empty lets the peer generate one.
    public var identity: [UInt8] = []
    /// ZMQ_SNDHWM / ZMQ_RCVHWM: messages queued per peer in each direction.
    public var sendHighWaterMark = 1000
    /// ZMQ_RCVHWM: messages received from each peer and not yet taken by the application; past it,
    /// the socket stops reading from that peer until the application catches up.
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
    /// ZMQ_XPUB_VERBOSE: an XPUB reports every subscribe to its application, not only a
    /// topic's first.
    public var xpubVerbose = false
    /// ZMQ_XPUB_MANUAL: an XPUB applies no subscription itself; it reports them all, and the
    /// application's `subscribe`/`unsubscribe` apply to the peer of the last one it received.
    public var xpubManual = false
    /// ZMQ_XPUB_WELCOME_MSG: a message an XPUB sends each new peer first, whatever it
    /// subscribes to (a SUB keeps it only if subscribed to a prefix of it).
    public var xpubWelcomeMessage: [UInt8]? = nil
    /// ZMQ_REQ_RELAXED: a REQ may send a new request before the reply to the last one came;
    /// the late reply is then dropped.
    public var reqRelaxed = false
    /// ZMQ_REQ_CORRELATE: a REQ prefixes each request with an id its reply must carry back, so
    /// a late reply to an earlier request is never taken for the current one.
    public var reqCorrelate = false
    /// ZMQ_RECONNECT_IVL and ZMQ_RECONNECT_IVL_MAX (0: no exponential backoff, jitter instead).
    public var reconnectInterval: Duration = .milliseconds(100)
    /// ZMQ_RECONNECT_IVL_MAX: when not zero, the delay between attempts doubles after each one
    /// that fails, up to this; zero keeps it at ``reconnectInterval``. Either way a random
    /// jitter of up to one interval is added.
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
    /// ZMQ_ZAP_DOMAIN: passed to the security's authenticator with every request, so one
    /// authenticator can serve several sockets with different policies.
    public var authenticationDomain = ""
    /// Limits and heartbeats of each connection (ZMQ_MAXMSGSIZE, HANDSHAKE_IVL, HEARTBEAT_*).
    package var connection = ConnectionOptions()
    /// The `socket` dimension of this socket's swift-metrics counters (SocketMetrics); empty:
    /// the socket type in lower case.
    public var metricsName = ""
    /// The loop-thread view of the socket's events: the same events a `SocketMonitor` reads,
    /// in the same order, handed over as they happen, unbuffered, on the loop thread (keep it
    /// short). For code confined to that loop (a broker, a connector); others use `monitor()`.
    public var onEvent: (@Sendable (SocketEvent) -> Void)? = nil

    /// The defaults: libzmq's, except where a property says otherwise.
    public init() {}

    /// ZMQ_MAXMSGSIZE: the largest message accepted from a peer, in bytes, all frames together; a
    /// peer that announces a larger one is disconnected. 64 MiB by default (libzmq: unlimited); nil
    /// means no limit.
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
    /// ZMQ_HANDSHAKE_IVL: how long a new connection may take to complete its handshake before it is
    /// closed (30 seconds, as libzmq); zero: no limit.
    public var handshakeTimeout: Duration {
        get { .nanoseconds(Int64(connection.handshakeTimeout)) }
        set { connection.handshakeTimeout = newValue.nanoseconds }
    }
    /// ZMQ_HEARTBEAT_IVL: how often to send a PING once the handshake is done; zero sends none.
    public var heartbeatInterval: Duration {
        get { .nanoseconds(Int64(connection.heartbeatInterval)) }
        set { connection.heartbeatInterval = newValue.nanoseconds }
    }
    /// ZMQ_HEARTBEAT_TTL: how long the peer should wait for traffic from us before it closes the
    /// connection, sent in each PING (in tenths of a second); zero asks for no limit.
    public var heartbeatTTL: Duration {
        get { .nanoseconds(Int64(connection.heartbeatTTL)) }
        set { connection.heartbeatTTL = newValue.nanoseconds }
    }
    /// ZMQ_HEARTBEAT_TIMEOUT: how long to wait for any traffic after a PING before closing the
    /// connection; nil waits for ``heartbeatInterval``, as libzmq does.
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
