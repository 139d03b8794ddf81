import Logging
import Synchronization

/// A ZMTP socket (DEALER or ROUTER) with two faces over the same machinery:
/// - applications call the thread-safe `send`/`receive` (blocking with timeouts, or async);
/// - a server installs a handler with `serve` that runs on the loop thread and may send inline.
/// Connections, timers and I/O all run on one `EventLoop` thread; the queues between the two
/// sides are guarded by one lock.
public final class ZMTPSocket: @unchecked Sendable {
    public let type: SocketType
    public let options: SocketOptions
    let sendLimits: SendLimits
    let receiveLimit: Int
    public let loop: EventLoop
    let logger: Logger

    let lock = ConditionLock()
    // Guarded by `lock` (so dynamic exclusivity checks are off):
    @exclusivity(unchecked) var pipes: [Pipe] = []
    @exclusivity(unchecked) var routes: [[UInt8]: Pipe] = [:]
    @exclusivity(unchecked) var readable = RingBuffer<Pipe>()
    @exclusivity(unchecked) var nextPipe = 0
    @exclusivity(unchecked) var isClosed = false
    /// Application threads asleep on `lock` in a blocking send (or close's linger) and in a
    /// blocking receive, counted apart so that each event wakes only threads it concerns.
    @exclusivity(unchecked) var blockedSenders = 0
    @exclusivity(unchecked) var blockedReceivers = 0
    @exclusivity(unchecked) var asyncReceivers = RingBuffer<AsyncReceiver>()
    @exclusivity(unchecked) var asyncSenders = RingBuffer<CheckedContinuation<Void, Never>>()
    /// Large frame bodies received into a `Message` and finished with, for reuse.
    @exclusivity(unchecked) var spareLargeBodies: [[UInt8]] = []
    /// Counts deliveries into the inbound queues, so a blocking receive can poll for the next
    /// one without the lock.
    let arrivals = Atomic<Int>(0)
    /// Counts the times a pipe's outbound queue fell below its low-water mark, so a blocked
    /// sender can poll for room without the lock.
    let spaceFreed = Atomic<Int>(0)
    /// Receivers in their poll phase (polling `arrivals`, or about to wait when another thread
    /// polls): a delivery to them asks the loop to poll for their answer.
    let pollingReceivers = Atomic<Int>(0)
    let handshakeCounters = HandshakeCounters()
    let metrics: SocketMetrics

    // Loop-confined:
    var listeners: [Listener] = []
    var dialers: [Dialer] = []
    var connections: [ObjectIdentifier: PeerConnection] = [:]
    var handler: ((_ peer: [UInt8], _ message: [[UInt8]]) -> Void)?
    var disconnectHandler: ((_ peer: [UInt8]) -> Void)?
    /// The handler's consumer asked to stop reading from every peer (`pauseReading()`).
    var readingPaused = false
    var lowWaterHandler: (@Sendable (_ peer: [UInt8]) -> Void)?
    var nextGeneratedID: UInt32 = UInt32.random(in: 0...UInt32.max)
    /// How dialers find their hosts' addresses (tests put a slow one in before connecting).
    var resolver = HostResolver.system
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)

    public init(type: SocketType, options: SocketOptions = SocketOptions(), loop: EventLoop? = nil,
                logger: Logger = Logger(label: "zmtp")) throws {
        guard type == .dealer || type == .router else { throw SocketError.unsupportedSocketType(type) }
        if !options.identity.isEmpty {
            guard options.identity.count <= 255, options.identity.first != 0 else {
                throw SocketError.invalidMessage("identity must be 1-255 bytes and must not start with a zero byte")
            }
        }
        self.type = type
        self.options = options
        sendLimits = SendLimits(options)
        receiveLimit = options.receiveHighWaterMark
        self.loop = try loop ?? EventLoop.shared()
        self.logger = logger
        metrics = SocketMetrics(name: options.metricsName.isEmpty ? type.rawValue.lowercased() : options.metricsName)
    }

    deinit { readBuffer.deallocate() }

    // MARK: Endpoints

    /// Binds and listens; returns the bound endpoint (with the real port when 0 was asked).
    @discardableResult
    public func bind(_ endpoint: String) throws -> Endpoint {
        let ep = try Endpoint.parse(endpoint)
        return try onLoop {
            let listener = try Listener(socket: self, endpoint: ep)
            self.listeners.append(listener)
            self.emit(.listening(listener.endpoint))
            return listener.endpoint
        }
    }

    /// Connects (and keeps reconnecting) to `endpoint`. Messages may be sent at once: they
    /// queue until the connection is up, as with libzmq.
    public func connect(_ endpoint: String) throws {
        let ep = try Endpoint.parse(endpoint)
        try onLoop {
            let pipe = Pipe(persistent: true)
            self.lock.withLock { self.pipes.append(pipe) }
            let dialer = Dialer(socket: self, endpoint: ep, pipe: pipe, resolver: self.resolver)
            self.dialers.append(dialer)
            dialer.dial()
        }
    }

    /// Runs `body` on the loop thread (directly when already there).
    func onLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        if loop.inLoop { return try body() }
        return try loop.submit(body)
    }

    // MARK: Handler face (loop thread)

    /// Installs a handler called on the loop thread with each message and the routing id of
    /// the peer that sent it; `send` may be called from inside it. Call before bind/connect.
    /// The handlers are `@Sendable`: they run on the loop thread, not the caller's, so what
    /// they capture must be safe there (a loop-confined object checks `loop.inLoop`).
    public func serve(_ handler: @escaping @Sendable (_ peer: [UInt8], _ message: [[UInt8]]) -> Void,
                      onDisconnect: (@Sendable (_ peer: [UInt8]) -> Void)? = nil) {
        _ = try? onLoop {
            self.handler = handler
            self.disconnectHandler = onDisconnect
        }
    }

    func emit(_ event: SocketEvent) { options.onEvent?(event) }
}
