import NATSWire

/// How a `NATSConnection` connects, authenticates, keeps alive and reconnects.
public struct NATSClientOptions: Sendable {
    /// Servers to try, in order; those the cluster advertises (`connect_urls`) are added.
    public var servers: [NATSServerURL]
    /// Name, and the credentials used for servers whose URL carries none.
    public var connect = NATSConnectOptions()
    /// A PING goes out this often while connected; `maxPingsOutstanding` unanswered ones mean
    /// the connection is dead.
    public var pingInterval: Duration = .seconds(2)
    /// Unanswered PINGs after which the connection is taken as dead.
    public var maxPingsOutstanding = 2
    /// TCP connect plus INFO, CONNECT and the first PONG must complete within this.
    public var connectTimeout: Duration = .seconds(2)
    /// Reconnection delay: doubles from `reconnectDelayMin` up to `reconnectDelayMax` while
    /// attempts fail, with a random half of it as jitter so restarted peers do not retry in step.
    public var reconnectDelayMin: Duration = .milliseconds(50)
    /// The longest reconnection delay (see `reconnectDelayMin`).
    public var reconnectDelayMax: Duration = .seconds(2)
    /// Bytes of commands queued for the server (written or not) beyond which publishes are
    /// dropped and counted: a slow or absent server costs at most this much memory.
    public var maxPendingBytes = 8 << 20
    /// The longest control line accepted from a server.
    public var maxControlLine = NATSParser.defaultMaxControlLine

    /// Options with the defaults above for `servers` (give at least one).
    public init(servers: [NATSServerURL]) {
        self.servers = servers
    }
}

/// What happened to a connection, for logs and tests.
public enum NATSEvent: Equatable, Sendable {
    case connected(server: String)
    case disconnected(server: String, reason: String)
    case connectFailed(server: String, reason: String)
    /// `-ERR` from the server.
    case serverError(String)
}

/// A connection's counters since it was made.
public struct NATSClientStats: Equatable, Sendable {
    /// Connected to a server now (CONNECT accepted).
    public var connected = false
    /// Successful connections after the first.
    public var reconnects: UInt64 = 0
    /// Publishes queued.
    public var published: UInt64 = 0
    /// Publishes refused because `maxPendingBytes` were queued.
    public var droppedBufferFull: UInt64 = 0
    /// Publishes larger than the server's `max_payload`, or with an invalid subject.
    public var droppedRefused: UInt64 = 0
    /// Publishes still queued (not known to be written) when a connection was lost.
    public var droppedDisconnected: UInt64 = 0
    /// Messages received for our subscriptions.
    public var received: UInt64 = 0
    /// `-ERR` lines, and protocol errors that ended a connection.
    public var serverErrors: UInt64 = 0
    /// Bytes queued for the server and not yet written.
    public var pendingBytes = 0
    /// Subscriptions held (re-made on every connection).
    public var subscriptions = 0

    /// All zero.
    public init() {}
}
