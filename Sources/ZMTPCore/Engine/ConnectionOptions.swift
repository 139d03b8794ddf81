/// Per-connection limits and timers, with libzmq's meanings where libzmq has the option.
/// All durations are nanoseconds on the monotonic clock the I/O shell passes in.
@_spi(Engine) public struct ConnectionOptions: Sendable {
    /// Largest message (sum of its frames) accepted; a larger one closes the connection.
    /// Finite by default: libzmq's default of "unlimited" lets one peer exhaust memory.
    public var maxMessageSize: Int? = 64 << 20
    /// Most frames one message may have. Each frame costs a slot even when empty, so without a
    /// cap a peer streaming empty MORE frames grows memory under any byte limit.
    public var maxFramesPerMessage: Int? = 1 << 16
    /// ZMQ_HANDSHAKE_IVL: greeting plus mechanism must finish within this; 0 disables.
    public var handshakeTimeout: UInt64 = 30_000_000_000
    /// Bytes a peer may send before its handshake completes (greeting and handshake commands).
    public var handshakeByteBudget: Int = 16 << 10
    /// ZMQ_HEARTBEAT_IVL: send PING this often once the handshake is done; 0 disables.
    public var heartbeatInterval: UInt64 = 0
    /// ZMQ_HEARTBEAT_TTL: announced in our PINGs (deciseconds on the wire).
    public var heartbeatTTL: UInt64 = 0
    /// ZMQ_HEARTBEAT_TIMEOUT: close if nothing arrives this long after a PING; nil = interval.
    public var heartbeatTimeout: UInt64? = nil

    public init() {}
}
