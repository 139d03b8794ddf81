@_spi(Engine) import ZMTPCore
import Logging
import Synchronization

/// A ZeroMQ socket: binds and connects endpoints, and sends and receives multipart messages.
///
/// Any type of `SocketType`, with two faces over the same machinery:
/// - applications call the thread-safe `send`/`receive` (blocking with timeouts, or async);
/// - a server installs a handler with `serve` that runs on the loop thread and may send inline.
/// Connections, timers and I/O all run on one `EventLoop` thread; the queues between the two
/// sides are guarded by one lock.
public final class ZMTPSocket: @unchecked Sendable {
    /// The socket's type, fixed when it is made.
    public let type: SocketType
    /// The options the socket was made with; they cannot change afterwards.
    public let options: SocketOptions
    /// The type's pattern (Rooms/); guarded by `lock`.
    let room: any SocketRoom
    let sendLimits: SendLimits
    let receiveLimit: Int
    /// The event-loop thread that runs this socket's connections, timers and `serve` handlers.
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
    @exclusivity(unchecked) var asyncReceivers = RingBuffer<AsyncWaiter<[[UInt8]]>>()
    @exclusivity(unchecked) var asyncSenders = RingBuffer<AsyncWaiter<Void>>()
    /// The pollers watching this socket (ZMTPPoller).
    @exclusivity(unchecked) var pollWakers: [PollWaker] = []
    /// Large frame bodies received into a `Message` and finished with, for reuse.
    @exclusivity(unchecked) var spareLargeBodies: [[UInt8]] = []
    /// A `serve` handler takes the messages: no blocking call borrows a connection from then
    /// on, sends and receives alike (written under the lock, on the loop thread).
    @exclusivity(unchecked) var servesHandler = false
    /// The last send or receive call was a send (lock held). Only a round trip (a send after a
    /// receive, a receive after a send) does its I/O on the caller's thread: a stream of sends
    /// or of receives is left to the loop, which writes many messages at once and reads beside
    /// the application.
    @exclusivity(unchecked) var sentLast = false
    /// The connection lent to a blocking receive that reads it on its own thread, polling only
    /// that connection: a delivery from any other pipe recalls the loan, else it waits unseen.
    @exclusivity(unchecked) var readingLender: PeerConnection?
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
    let eventHub = SocketEventHub()
    let metrics: SocketMetrics

    // Loop-confined:
    var listeners: [Listener] = []
    var dialers: [Dialer] = []
    /// The inproc names this socket bound, and its inproc connects.
    var inprocNames: [Endpoint] = []
    var inprocConnectors: [InprocConnector] = []
    var connections: [ObjectIdentifier: any PeerLink] = [:]
    var handler: ((_ peer: [UInt8], _ message: [[UInt8]]) -> Void)?
    var disconnectHandler: ((_ peer: [UInt8]) -> Void)?
    /// The handler's consumer asked to stop reading from every peer (`pauseReading()`). Set on
    /// the loop, read by whoever holds a connection: a receive that borrowed one before the
    /// handler was installed may still be giving it back.
    let readingPaused = Atomic<Bool>(false)
    var lowWaterHandler: (@Sendable (_ peer: [UInt8]) -> Void)?
    var nextGeneratedID: UInt32 = UInt32.random(in: 0...UInt32.max)
    /// How dialers find their hosts' addresses (tests put a slow one in before connecting).
    var resolver = HostResolver.system
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: PeerConnection.readBufferSize, alignment: 16)

    /// Makes a socket of `type` with `options`, on `loop` or, when nil, on the process's shared
    /// event loop. Throws ``SocketError/invalidMessage(_:)`` for an identity that is longer than
    /// 255 bytes or starts with a zero byte (libzmq reserves those for generated routing ids).
    public init(type: SocketType, options: SocketOptions = SocketOptions(), loop: EventLoop? = nil,
                logger: Logger = Logger(label: "zmtp")) throws {
        if !options.identity.isEmpty {
            guard options.identity.count <= 255, options.identity.first != 0 else {
                throw SocketError.invalidMessage("identity must be 1-255 bytes and must not start with a zero byte")
            }
        }
        self.type = type
        var options = options
        options.connection.subscriptionCommandsAsMessages = type == .pub || type == .xpub
        options.connection.subscriptionMessagesAsCommands = type == .sub
        if options.security.servesZMTP2 && options.authenticationDomain.isEmpty {
            options.connection.zmtp2Greeting = ZMTP2Greeting(socketType: type, identity: options.identity)
        }
        self.options = options
        room = type.makeRoom(options)
        sendLimits = SendLimits(options)
        receiveLimit = options.receiveHighWaterMark
        self.loop = try loop ?? EventLoop.shared()
        self.logger = logger
        metrics = SocketMetrics(name: options.metricsName.isEmpty ? type.rawValue.lowercased() : options.metricsName)
    }

    deinit { readBuffer.deallocate() }

    // MARK: Endpoints

    /// Binds and listens; returns the bound endpoint (with the real port when 0 was asked).
    /// An inproc name can be bound by one socket at a time (`SocketError.addressInUse`).
    @discardableResult
    public func bind(_ endpoint: String) throws -> Endpoint {
        let ep = try Endpoint.parse(endpoint)
        if case .inproc(let name) = ep.address { return try bindInproc(ep, name: name) }
        return try onLoop {
            let listener = try Listener(socket: self, endpoint: ep)
            self.listeners.append(listener)
            self.emit(.listening(listener.endpoint))
            return listener.endpoint
        }
    }

    /// Connects (and keeps reconnecting) to `endpoint`. Messages may be sent at once: they
    /// queue until the connection is up, as with libzmq. An inproc name may be bound later.
    public func connect(_ endpoint: String) throws {
        let ep = try Endpoint.parse(endpoint)
        if case .inproc(let name) = ep.address { return try connectInproc(ep, name: name) }
        try onLoop {
            let pipe = Pipe(persistent: true)
            self.lock.withLock {
                self.pipes.append(pipe)
                self.wakePollersLocked()  // a DEALER can queue for the new pipe
            }
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
    /// The handler gets each message as the peer sent it, before the type's pattern (SUB's
    /// filter, REQ and REP envelopes, XPUB's subscriptions): it is for ROUTER, DEALER, PULL
    /// and PAIR.
    public func serve(_ handler: @escaping @Sendable (_ peer: [UInt8], _ message: [[UInt8]]) -> Void,
                      onDisconnect: (@Sendable (_ peer: [UInt8]) -> Void)? = nil) {
        _ = try? onLoop {
            self.handler = handler
            self.disconnectHandler = onDisconnect
            // A receive reading on its own thread stops: what comes from now on is the handler's.
            self.lock.withLock {
                self.servesHandler = true
                self.readingLender?.loan?.recall()
            }
        }
    }

    /// Reports an event (loop thread, or any thread once the loop is gone): the callback
    /// first, then the monitors.
    func emit(_ event: SocketEvent) {
        options.onEvent?(event)
        eventHub.publish(event)
    }
}
