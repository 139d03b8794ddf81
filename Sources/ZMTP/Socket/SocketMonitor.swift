/// The events of one socket as an `AsyncSequence`, from the moment `ZMTPSocket.monitor` made
/// it, in order, ending after `SocketEvent.closed` (or `stop()`). Like libzmq's
/// zmq_socket_monitor, and without its extra socket.
///
/// Buffering is bounded: at most `capacity` events wait to be read. When one more arrives the
/// oldest is dropped and counted in `droppedEvents`, so a monitor nobody reads costs bounded
/// memory and never slows the socket; a reader that lags learns it lost events, and the
/// latest events (`closed` last of all) are kept.
///
/// Thread-safe. Calls to `next` from several Tasks at once each get a different event, in
/// the order the calls wait.
public final class SocketMonitor: AsyncSequence, Sendable {
    /// Each element is one event.
    public typealias Element = SocketEvent
    /// `CancellationError` when the reading Task is cancelled.
    public typealias Failure = any Error

    let buffer: Buffer
    private let hub: SocketEventHub

    init(hub: SocketEventHub, loop: EventLoop, capacity: Int) {
        buffer = Buffer(loop: loop, capacity: Swift.max(1, capacity))
        self.hub = hub
        hub.add(buffer)
    }

    deinit { hub.remove(buffer) }

    /// Events dropped, oldest first, because `capacity` events waited unread.
    public var droppedEvents: Int { buffer.droppedEvents }

    /// The next event, or nil once the monitor ended and its buffered events were read.
    /// Throws `CancellationError` when its Task is cancelled, `SocketError.timedOut` when
    /// `timeout` passes first (`.zero`: `SocketError.wouldBlock` unless one is buffered).
    public func next(timeout: Duration? = nil) async throws -> SocketEvent? {
        try await buffer.next(timeout: timeout)
    }

    /// Stops monitoring: events buffered are still read, then the sequence ends.
    public func stop() {
        hub.remove(buffer)
        buffer.finish()
    }

    /// An iterator reading this monitor's events.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(monitor: self) }

    /// Iterates with `next()`; holds the monitor, so a loop over it keeps it open.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let monitor: SocketMonitor

        /// The next event, as `SocketMonitor.next()` gives it.
        public mutating func next() async throws -> SocketEvent? {
            try await monitor.next()
        }
    }

    /// The bounded queue between the socket's loop thread and the readers.
    final class Buffer: Sendable {
        private struct State {
            var events = RingBuffer<SocketEvent>()
            var waiters = RingBuffer<AsyncWaiter<SocketEvent?>>()
            var dropped = 0
            var finished = false
        }

        private let state = Locked(State())
        private let loop: EventLoop
        private let capacity: Int

        init(loop: EventLoop, capacity: Int) {
            self.loop = loop
            self.capacity = capacity
        }

        var droppedEvents: Int { state.withLock { $0.dropped } }

        /// Readers waiting for an event.
        var waiting: Int { state.withLock { $0.waiters.count } }

        /// An event from the socket: to the first reader still waiting, else into the buffer.
        func push(_ event: SocketEvent) {
            let handed: AsyncWaiter<SocketEvent?>.Resumption? = state.withLock { state in
                guard !state.finished else { return nil }
                while let waiter = state.waiters.popFirst() {
                    if let r = waiter.decide({ .success(event) }) { return r }
                }
                state.events.append(event)
                if state.events.count > capacity {
                    _ = state.events.popFirst()
                    state.dropped += 1
                }
                return nil
            }
            handed?.resume()
        }

        /// No more events: waiting readers get nil.
        func finish() {
            let ended: [AsyncWaiter<SocketEvent?>.Resumption] = state.withLock { state in
                state.finished = true
                var ended: [AsyncWaiter<SocketEvent?>.Resumption] = []
                while let waiter = state.waiters.popFirst() {
                    if let r = waiter.decide({ .success(nil) }) { ended.append(r) }
                }
                return ended
            }
            for r in ended { r.resume() }
        }

        func next(timeout: Duration?) async throws -> SocketEvent? {
            try Task.checkCancellation()
            let ready: SocketEvent?? = try state.withLock { state in
                if let event = state.events.popFirst() { return .some(event) }
                if state.finished { return .some(nil) }
                if timeout == .zero { throw SocketError.wouldBlock }
                return nil
            }
            if let ready { return ready }
            return try await AsyncWaiter<SocketEvent?>.suspend(loop: loop, deadline: timeout.map(\.deadlineFromNow), enqueue: { waiter in
                let now: AsyncWaiter<SocketEvent?>.Resumption? = state.withLock { state in
                    let now = waiter.decide {
                        if let event = state.events.popFirst() { return .success(event) }
                        return state.finished ? .success(nil) : nil
                    }
                    if now == nil && !waiter.isDecided { state.waiters.append(waiter) }
                    return now
                }
                now?.resume()
            }, forget: { [self] in
                state.withLock { state in
                    var live = RingBuffer<AsyncWaiter<SocketEvent?>>()
                    while let waiter = state.waiters.popFirst() {
                        if !waiter.isDecided { live.append(waiter) }
                    }
                    state.waiters = live
                }
            })
        }
    }
}

extension ZMTPSocket {
    /// A monitor of this socket's events from now on (make it before `bind` and `connect` to
    /// see theirs), buffering at most `capacity` unread events (see `SocketMonitor`).
    public func monitor(capacity: Int = 1024) -> SocketMonitor {
        SocketMonitor(hub: eventHub, loop: loop, capacity: capacity)
    }
}
