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
    /// (then throws its error: `SocketError.closed` as soon as any of its sockets is closed), on the calling thread, which it
    /// blocks meanwhile, sleeping in a `ZMTPPoller` while nothing can move; call it from a
    /// thread of its own, not from a Swift concurrency task.
    public func run() throws {
        let directions = [
            Direction(source: frontend, destination: backend, towardBackend: true),
            Direction(source: backend, destination: frontend, towardBackend: false),
        ].filter { Self.receives($0.source.type) && Self.sends($0.destination.type) }
        let poller = ZMTPPoller()
        var watched = Watched()
        var statistics = Statistics()
        var paused = false
        let sockets = [frontend, backend, capture, control].compactMap { $0 }
        while true {
            var wanted = Watched()
            // Every socket, whatever the round waits on, so that closing any one ends the run.
            for socket in sockets { wanted.insert(.closed, for: socket) }
            if let control { wanted.insert(.readable, for: control) }
            if !paused {
                for direction in directions {
                    // A direction whose destination (or capture) has no room leaves its source
                    // unread and waits for that room, as libzmq's POLLOUT check does.
                    if let full = direction.fullSide(capture: capture) {
                        wanted.insert(.writable, for: full)
                    } else {
                        wanted.insert(.readable, for: direction.source)
                    }
                }
            }
            watched.update(poller, to: wanted)
            let ready = poller.poll()
            if ready.contains(where: { $0.events.contains(.closed) }) { throw SocketError.closed }
            if let control, ready.contains(where: { $0.socket === control && $0.events.contains(.readable) }) {
                switch try obey(try control.receive(), on: control, statistics: statistics) {
                case .pause: paused = true
                case .resume: paused = false
                case .terminate: return
                case .none: break
                }
            }
            guard !paused else { continue }
            for direction in directions
            where ready.contains(where: { $0.socket === direction.source && $0.events.contains(.readable) })
                && direction.fullSide(capture: capture) == nil {
                let message = try direction.source.receive()
                if let capture { try capture.send(message) }
                try direction.destination.send(message)
                statistics.count(message, towardBackend: direction.towardBackend)
            }
        }
    }

    /// A PULL→PUSH streamer has one direction: PUB and PUSH never receive, SUB and PULL never
    /// send (libzmq's proxy never sees them readable or writable that way).
    private static func receives(_ type: SocketType) -> Bool { type != .pub && type != .push }
    private static func sends(_ type: SocketType) -> Bool { type != .sub && type != .pull }

    private enum Steer { case pause, resume, terminate }

    /// Answers `STATISTICS` (any control type) and, on a REP control socket, every other
    /// command with an empty reply; nil for `STATISTICS` and unknown commands.
    private func obey(_ command: [[UInt8]], on control: ZMTPSocket, statistics: Statistics) throws -> Steer? {
        let steer: Steer?
        switch command.first.map({ String(decoding: $0, as: UTF8.self) }) {
        case "STATISTICS":
            try control.send(statistics.frames)
            return nil
        case "PAUSE": steer = .pause
        case "RESUME": steer = .resume
        case "TERMINATE": steer = .terminate
        default: steer = nil
        }
        if control.type == .rep { try control.send([[]]) }
        return steer
    }
}

/// One way messages move through the proxy.
private struct Direction {
    let source: ZMTPSocket
    let destination: ZMTPSocket
    let towardBackend: Bool

    /// The socket a message from `source` would wait for (the capture first, as the copy goes
    /// there first), or nil when both have room.
    func fullSide(capture: ZMTPSocket?) -> ZMTPSocket? {
        if let capture, !capture.readiness.contains(.writable) { return capture }
        return destination.readiness.contains(.writable) ? nil : destination
    }
}

/// What the proxy's poller watches each socket for, changed only where it differs, so that
/// a round that waits for the same as the last does not touch the poller.
private struct Watched {
    private var events: [ObjectIdentifier: (socket: ZMTPSocket, events: PollEvents)] = [:]

    mutating func insert(_ more: PollEvents, for socket: ZMTPSocket) {
        let key = ObjectIdentifier(socket)
        events[key] = (socket, (events[key]?.events ?? []).union(more))
    }

    mutating func update(_ poller: ZMTPPoller, to wanted: Watched) {
        for (key, item) in events where wanted.events[key] == nil { poller.remove(item.socket) }
        for (key, item) in wanted.events where events[key]?.events != item.events { poller.add(item.socket, for: item.events) }
        self = wanted
    }
}

extension ZMTPProxy.Statistics {
    mutating func count(_ message: [[UInt8]], towardBackend: Bool) {
        let frames = UInt64(message.count)
        let bytes = UInt64(message.reduce(0) { $0 + $1.count })
        if towardBackend {
            frontendReceivedFrames += frames
            frontendReceivedBytes += bytes
            backendSentFrames += frames
            backendSentBytes += bytes
        } else {
            backendReceivedFrames += frames
            backendReceivedBytes += bytes
            frontendSentFrames += frames
            frontendSentBytes += bytes
        }
    }
}
