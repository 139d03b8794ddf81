/// What a poller waits for on a socket, and what it found.
public struct PollEvents: OptionSet, Sendable, Hashable {
    /// The bits: 1 readable, 2 writable.
    public let rawValue: UInt8
    /// The events with these bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A message is queued: `receive` returns at once.
    public static let readable = PollEvents(rawValue: 1)
    /// A message can be queued: `send` returns at once (a ROUTER always can).
    public static let writable = PollEvents(rawValue: 2)
    /// The socket is closed. For the library's own pollers (ZMTPProxy), which must notice a
    /// socket closed while they wait on others; users see a closed socket as readable and writable.
    static let closed = PollEvents(rawValue: 4)
}

/// Waits on several sockets at once for synchronous code, as zmq_poll does: `poll` returns the
/// sockets that are readable or writable, as asked, or an empty list at the timeout. It sleeps
/// until a socket's readiness changes (the sockets wake it), never spinning. A closed socket is
/// reported ready for everything it was added for, since a call on it returns at once (with
/// `SocketError.closed`). Sockets with a `serve` handler never queue messages, so they never
/// become readable. Async code uses `messages` or `receive` instead.
///
/// Thread-safe: sockets may be added and removed while another thread polls (the poll looks
/// again), and several threads may poll at once (each is told of every ready socket).
public final class ZMTPPoller: Sendable {
    /// A socket found ready, and for what.
    public struct Ready: Sendable {
        /// The socket, as it was added.
        public let socket: ZMTPSocket
        /// What it is ready for, among what it was added for.
        public let events: PollEvents
    }

    private let waker = PollWaker()
    private let items = Locked<[(socket: ZMTPSocket, events: PollEvents)]>([])

    /// A poller watching no socket yet.
    public init() {}

    deinit {
        for item in items.withLock({ $0 }) { item.socket.removePollWaker(waker) }
    }

    /// Watches `socket` for `events`, replacing what it was watched for if it already was.
    public func add(_ socket: ZMTPSocket, for events: PollEvents) {
        let added: Bool = items.withLock { items in
            if let i = items.firstIndex(where: { $0.socket === socket }) {
                items[i].events = events
                return false
            }
            items.append((socket, events))
            return true
        }
        if added { socket.addPollWaker(waker) }
        waker.signal()
    }

    /// Stops watching `socket`.
    public func remove(_ socket: ZMTPSocket) {
        let removed: Bool = items.withLock { items in
            guard let i = items.firstIndex(where: { $0.socket === socket }) else { return false }
            items.remove(at: i)
            return true
        }
        if removed { socket.removePollWaker(waker) }
        waker.signal()
    }

    /// The sockets ready for what they were added for, in the order they were added; waits
    /// until at least one is, or `timeout` passes (then: empty). nil waits without limit;
    /// `.zero` only looks.
    public func poll(timeout: Duration? = nil) -> [Ready] {
        let deadline = timeout.map(\.deadlineFromNow)
        while true {
            let seen = waker.count
            let ready = items.withLock { $0 }.compactMap { item -> Ready? in
                let found = item.socket.readiness.intersection(item.events)
                return found.isEmpty ? nil : Ready(socket: item.socket, events: found)
            }
            if !ready.isEmpty || timeout == .zero { return ready }
            if let deadline, monotonicNow() >= deadline { return [] }
            waker.wait(after: seen, until: deadline)
        }
    }
}

extension ZMTPSocket {
    /// What a call could do at once now (see `ZMTPPoller`).
    var readiness: PollEvents {
        lock.withLock {
            if isClosed { return [.readable, .writable, .closed] }
            var events: PollEvents = []
            if !readable.isEmpty { events.insert(.readable) }
            if hasRoomLocked() { events.insert(.writable) }
            return events
        }
    }

    func addPollWaker(_ waker: PollWaker) {
        lock.withLock { pollWakers.append(waker) }
    }

    func removePollWaker(_ waker: PollWaker) {
        lock.withLock { pollWakers.removeAll { $0 === waker } }
    }

    /// Readiness may have changed (lock held): wakes the pollers watching this socket.
    func wakePollersLocked() {
        for waker in pollWakers { waker.signal() }
    }
}
