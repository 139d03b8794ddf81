#if canImport(Glibc)
import Glibc
#endif
import Logging
import MC0
import ZMTP

/// The client side of mc0, as MCollective's zeromq connector behaves: one DEALER socket to
/// the broker, CONNECT with an acknowledged session, acknowledged SUB/UNSUB/PUT matched by ID,
/// NOOP heartbeats, and reconnection with re-subscription when the broker goes silent,
/// restarts or says the session is gone.
///
/// All protocol state lives on the socket's event-loop thread (the socket's handler, its
/// timers and tasks); the public methods are thread-safe and hop onto that thread. Call
/// `close()` when done.
public final class MC0Connector: @unchecked Sendable {
    /// The validated configuration.
    public let config: ConnectorConfig
    /// This process's id, as used in the routing id and the reply topic.
    public let pid: Int32
    /// Messages on subscribed topics, in arrival order. NOOPs are absorbed. Ends on `close()`.
    /// Bounded: while `config.messageBuffer` deliveries wait for the application, the connector
    /// stops reading from the broker (see `MC0Deliveries`).
    public let messages: MC0Deliveries
    public let loop: EventLoop
    let deliveries: DeliveryBuffer
    /// Fails the waiting calls when the loop is shut down under the connector.
    var shutdownHook: ShutdownHook?
    /// The brokers, in the order they are tried (MCollective's pool, or the one broker).
    let endpoints: [String]
    /// The broker in use or being tried.
    var endpointIndex = 0
    var endpoint: String { endpoints[endpointIndex] }
    /// Brokers tried by the first connect() since its last failure report.
    var initialTries = 0
    let security: Security
    let logger: Logger
    let onEvent: (@Sendable (MC0ConnectorEvent) -> Void)?

    // Loop-confined state (see MC0Connector+Session.swift and +Requests.swift).
    enum Phase: Equatable { case idle, connecting(initial: Bool), connected, closed }
    var phase = Phase.idle
    var socket: ZMTPSocket?
    /// Counts sockets: messages and events of an older one are ignored.
    var generation = 0
    /// "<identity> <pid> <n>" of the current socket.
    var routingID = ""
    var nextRequestID: UInt64 = 0
    var nextSequence: UInt64 = 0
    var connectID: [UInt8] = []
    var connectWaiters: [ConnectWaiter] = []
    var lastProblem: String?
    /// Sent and waiting for OK/ERROR, by ID.
    var pending: [[UInt8]: Request] = [:]
    /// Waiting for a session, oldest first.
    var queued: [Request] = []
    /// Topics the broker acknowledged, in subscription order; re-sent after every reconnect.
    var subscriptions: [String] = []
    var lastSent: UInt64 = 0
    var lastHeard: UInt64 = 0
    /// The session's loop timers, one per purpose: arming one replaces the last.
    var timers: [SessionTimer: TimerHandle] = [:]

    /// Validates `config` and reads its key files; does not connect yet. `loop` defaults to
    /// the process's shared ZMTP loop.
    public init(config: ConnectorConfig, loop: EventLoop? = nil, logger: Logger = Logger(label: "mc0.connector"),
                onEvent: (@Sendable (MC0ConnectorEvent) -> Void)? = nil) throws(MC0ConnectorError) {
        do {
            self.config = try config.validated()
            self.endpoints = try config.brokerEndpoints()
            self.security = try config.security()
        } catch {
            throw .config(error)
        }
        do {
            self.loop = try loop ?? EventLoop.shared()
        } catch {
            throw .socket("cannot start the event loop: \(error)")
        }
        self.pid = getpid()
        self.logger = logger
        self.onEvent = onEvent
        deliveries = DeliveryBuffer(capacity: self.config.messageBuffer)
        messages = MC0Deliveries(buffer: deliveries)
        deliveries.whenDrained { [weak self] in self?.consumerCaughtUp() }
        guard let hook = self.loop.whenShutDown({ [weak self] in self?.loopStopped() }) else { throw .loopStopped }
        shutdownHook = hook
    }

    /// Opens the session: CONNECT with VERSION, TTL (heartbeat in ms) and ID, and waits for
    /// the OK. Fails on ERROR, on a failed handshake, or after `connectTimeout`. Returns at
    /// once when already connected. A cancelled caller throws `CancellationError` (the
    /// attempt goes on for other callers); a shut-down loop, `loopStopped`.
    public func connect() async throws {
        let cancellation = CallCancellation()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
                let waiter = ConnectWaiter(cancellation: cancellation, continuation: c)
                if !loop.execute({ self.startConnect(waiter) }) { c.resume(throwing: MC0ConnectorError.loopStopped) }
            }
        } onCancel: {
            cancellation.cancel()
            loop.execute { self.cancelled(cancellation) }
        }
    }

    /// Subscribes to each topic; returns once the broker acknowledged. Subscriptions are
    /// renewed on every reconnection.
    public func subscribe(_ topics: [String]) async throws {
        try Self.checkTopics(topics, verb: "SUB")
        _ = try await perform(.sub(topics))
    }

    public func subscribe(_ topic: String) async throws { try await subscribe([topic]) }

    /// Unsubscribes from each topic; returns once the broker acknowledged.
    public func unsubscribe(_ topics: [String]) async throws {
        try Self.checkTopics(topics, verb: "UNSUB")
        _ = try await perform(.unsub(topics))
    }

    public func unsubscribe(_ topic: String) async throws { try await unsubscribe([topic]) }

    /// Publishes one message (PUT) and waits for the broker's OK, which follows the
    /// deliveries. Header names must start with `X-`. Fails rather than drops: on ERROR, on
    /// timeout, or when the session ends before the OK (then delivery is unknown).
    public func publish(topic: String, headers: [(String, String)] = [], body: [[UInt8]]) async throws {
        try Self.checkTopics([topic], verb: "PUT")
        for (key, _) in headers where !key.hasPrefix("X-") || key.count < 3 {
            throw MC0ConnectorError.invalidArgument(
                "header '\(key)' is reserved by the mc0 protocol: application headers start with X- (e.g. X-REPLY-TO)")
        }
        let encoded = headers.map { (key: $0.0, value: Array($0.1.utf8)) }
        _ = try await perform(.put(topic: topic, headers: encoded, body: body))
    }

    /// `publish` with a text body of one frame.
    public func publish(topic: String, headers: [(String, String)] = [], body: String) async throws {
        try await publish(topic: topic, headers: headers, body: [Array(body.utf8)])
    }

    /// An acknowledged NOOP; returns the round-trip time.
    public func ping() async throws -> Duration {
        try await perform(.noop)
    }

    /// Ends the session (DISCONNECT), fails every waiting call with `closed`, ends `messages`
    /// and closes the socket, waiting up to its linger time for queued messages to go out.
    public func close() async {
        let box: SocketBox = await withCheckedContinuation { c in
            let queued = loop.execute { c.resume(returning: SocketBox(socket: self.shutdown(failing: .closed))) }
            if !queued { c.resume(returning: SocketBox(socket: nil)) }  // the loop's hook closed everything
        }
        box.socket?.close()
    }

    /// The topic replies to this process's requests go to: `"<collective> reply <identity> <pid>"`.
    public func replyTopic(collective: String) -> String {
        MCollectiveTopic.reply(collective: collective, identity: config.identity, pid: pid)
    }

    /// This node's directed-request topic: `"<collective> nodes <identity>"`.
    public func nodeTopic(collective: String) -> String {
        MCollectiveTopic.node(collective: collective, identity: config.identity)
    }

    // MARK: Helpers

    static func checkTopics(_ topics: [String], verb: String) throws(MC0ConnectorError) {
        guard !topics.isEmpty else { throw .invalidArgument("\(verb) needs at least one topic") }
        for topic in topics where topic.isEmpty {
            throw .invalidArgument("\(verb): a topic must not be empty")
        }
    }

    /// Queues an acknowledged request on the loop thread and waits for its answer. A cancelled
    /// caller throws `CancellationError` at once (a PUT already sent may still be delivered);
    /// a shut-down loop, `loopStopped`.
    func perform(_ kind: Request.Kind) async throws -> Duration {
        let cancellation = CallCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Duration, Error>) in
                let queued = loop.execute {
                    self.nextSequence += 1
                    self.start(Request(kind: kind, sequence: self.nextSequence, cancellation: cancellation) { c.resume(with: $0) })
                }
                if !queued { c.resume(throwing: MC0ConnectorError.loopStopped) }
            }
        } onCancel: {
            cancellation.cancel()
            loop.execute { self.cancelled(cancellation) }
        }
    }
}

/// Hands the socket out of the loop so close() can linger on the caller's thread.
struct SocketBox: @unchecked Sendable {
    let socket: ZMTPSocket?
}
