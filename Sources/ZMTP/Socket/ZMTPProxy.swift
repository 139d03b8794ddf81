import Synchronization

/// A device that shuttles messages between two sockets, as libzmq's `zmq_proxy_steerable`:
/// ROUTER↔DEALER makes a request-reply broker, XSUB↔XPUB a publish-subscribe forwarder (the
/// subscriptions travel backwards through it), PULL→PUSH a pipeline streamer.
///
/// Every message received on the frontend is sent to the backend and the other way round,
/// whole and in order. A message waits on its receiving side while the other side has no room,
/// so the proxy never drops nor blocks a direction that can move. With a capture socket, a copy
/// of every message goes there first. With a control socket, the proxy obeys the commands
/// `PAUSE`, `RESUME`, `TERMINATE` and `STATISTICS` (see ``Statistics``).
///
/// ```swift
/// let proxy = ZMTPProxy(frontend: router, backend: dealer, control: control)
/// try proxy.run()  // returns after TERMINATE
/// ```
public struct ZMTPProxy: Sendable {
    /// The side clients or publishers usually connect to. The proxy only receives and sends on
    /// its sockets, never closes them.
    public let frontend: ZMTPSocket
    /// The side workers or subscribers usually connect to.
    public let backend: ZMTPSocket
    /// Gets a copy of every message the proxy moves, before its destination does.
    public let capture: ZMTPSocket?
    /// Takes one-frame commands: `PAUSE` stops moving messages, `RESUME` starts again,
    /// `TERMINATE` ends ``run()``, `STATISTICS` is answered with the eight counters of
    /// ``Statistics``. A REP control socket gets an empty reply to the other commands, so that
    /// a REQ can steer the proxy; unknown commands change nothing.
    public let control: ZMTPSocket?

    /// Joins `frontend` and `backend`; `capture` and `control` are optional.
    public init(frontend: ZMTPSocket, backend: ZMTPSocket, capture: ZMTPSocket? = nil, control: ZMTPSocket? = nil) {
        self.frontend = frontend
        self.backend = backend
        self.capture = capture
        self.control = control
    }

    /// Frames and bytes the proxy moved, as libzmq counts them. `STATISTICS` answers with
    /// these eight numbers, in this order, each as an 8-byte frame in the host's byte order.
    public struct Statistics: Sendable, Equatable {
        /// Frames received on the frontend.
        public var frontendReceivedFrames: UInt64 = 0
        /// Bytes of those frames.
        public var frontendReceivedBytes: UInt64 = 0
        /// Frames sent on the frontend.
        public var frontendSentFrames: UInt64 = 0
        /// Bytes of those frames.
        public var frontendSentBytes: UInt64 = 0
        /// Frames received on the backend.
        public var backendReceivedFrames: UInt64 = 0
        /// Bytes of those frames.
        public var backendReceivedBytes: UInt64 = 0
        /// Frames sent on the backend.
        public var backendSentFrames: UInt64 = 0
        /// Bytes of those frames.
        public var backendSentBytes: UInt64 = 0

        /// All zero.
        public init() {}

        /// The counters as the STATISTICS reply carries them.
        var frames: [[UInt8]] {
            [frontendReceivedFrames, frontendReceivedBytes, frontendSentFrames, frontendSentBytes,
             backendReceivedFrames, backendReceivedBytes, backendSentFrames, backendSentBytes]
                .map { value in withUnsafeBytes(of: value) { Array($0) } }
        }
    }

    /// Moves messages until a `TERMINATE` command (then returns) or until a socket fails
    /// (then throws its error, e.g. `SocketError.closed`), on the calling thread, which it
    /// blocks meanwhile; call it from a thread of its own, not from a Swift concurrency task.
    public func run() throws {
        let executor = CallerThreadExecutor()
        let outcome = Mutex<Result<Void, Error>?>(nil)
        Task(executorPreference: executor) { [self] in
            let result: Result<Void, Error>
            do { try await shuttle(); result = .success(()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            executor.finish()
        }
        executor.run()
        try outcome.withLock { $0! }.get()
    }

    /// One task per direction that can carry messages and one for the control socket; the
    /// first to end ends them all.
    private func shuttle() async throws {
        let state = ProxyState()
        try await withThrowingTaskGroup(of: Void.self) { group in
            if Self.receives(frontend.type) && Self.sends(backend.type) {
                group.addTask { try await forward(from: frontend, to: backend, state: state, towardBackend: true) }
            }
            if Self.receives(backend.type) && Self.sends(frontend.type) {
                group.addTask { try await forward(from: backend, to: frontend, state: state, towardBackend: false) }
            }
            if let control {
                group.addTask { try await obey(control, state: state) }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// A PULL→PUSH streamer has one direction: PUB and PUSH never receive, SUB and PULL never
    /// send (libzmq's proxy never sees them readable or writable that way).
    private static func receives(_ type: SocketType) -> Bool { type != .pub && type != .push }
    private static func sends(_ type: SocketType) -> Bool { type != .sub && type != .pull }

    private func forward(from source: ZMTPSocket, to destination: ZMTPSocket, state: ProxyState, towardBackend: Bool) async throws {
        while true {
            let message = try await source.receive()
            await state.waitWhilePaused()
            if let capture { try await capture.send(message) }
            try await destination.send(message)
            state.count(message, towardBackend: towardBackend)
        }
    }

    /// Returns at `TERMINATE`.
    private func obey(_ control: ZMTPSocket, state: ProxyState) async throws {
        while true {
            let command = try await control.receive()
            switch command.first.map({ String(decoding: $0, as: UTF8.self) }) {
            case "STATISTICS":
                try await control.send(state.statistics.frames)
                continue
            case "PAUSE": state.pause()
            case "RESUME": state.resume()
            case "TERMINATE":
                if control.type == .rep { try await control.send([[]]) }
                return
            default: break
            }
            if control.type == .rep { try await control.send([[]]) }
        }
    }
}

/// The paused flag and the counters, shared by the proxy's tasks.
private final class ProxyState: Sendable {
    private struct Guarded {
        var statistics = ZMTPProxy.Statistics()
        var paused = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let guarded = Mutex(Guarded())

    var statistics: ZMTPProxy.Statistics { guarded.withLock { $0.statistics } }

    func pause() { guarded.withLock { $0.paused = true } }

    func resume() {
        let waiting = guarded.withLock { g in
            g.paused = false
            defer { g.waiting.removeAll() }
            return g.waiting
        }
        for c in waiting { c.resume() }
    }

    /// A message received while paused waits here, so nothing moves until `RESUME`; a cancelled
    /// task (TERMINATE while paused) is let go so the proxy can end.
    func waitWhilePaused() async {
        while guarded.withLock({ $0.paused }) && !Task.isCancelled {
            await withTaskCancellationHandler {
                await withCheckedContinuation { c in
                    let now = guarded.withLock { g in
                        if !g.paused || Task.isCancelled { return true }
                        g.waiting.append(c)
                        return false
                    }
                    if now { c.resume() }
                }
            } onCancel: {
                let waiting = guarded.withLock { g in
                    defer { g.waiting.removeAll() }
                    return g.waiting
                }
                for c in waiting { c.resume() }
            }
        }
    }

    func count(_ message: [[UInt8]], towardBackend: Bool) {
        let frames = UInt64(message.count)
        let bytes = UInt64(message.reduce(0) { $0 + $1.count })
        guarded.withLock { g in
            if towardBackend {
                g.statistics.frontendReceivedFrames += frames
                g.statistics.frontendReceivedBytes += bytes
                g.statistics.backendSentFrames += frames
                g.statistics.backendSentBytes += bytes
            } else {
                g.statistics.backendReceivedFrames += frames
                g.statistics.backendReceivedBytes += bytes
                g.statistics.frontendSentFrames += frames
                g.statistics.frontendSentBytes += bytes
            }
        }
    }
}
