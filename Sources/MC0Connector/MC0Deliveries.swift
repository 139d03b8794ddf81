import Synchronization

/// The connector's `messages`: deliveries in arrival order, ending on `close()`. It holds
/// about `ConnectorConfig.messageBuffer` deliveries the application has not taken at most: at
/// that mark the connector stops reading from the broker (the socket's kernel buffers fill,
/// then TCP pushes back on the broker) and reads again once half of them were taken. Nothing is
/// dropped. Several tasks may iterate it; each delivery goes to one of them. A task cancelled
/// while it waits gets nil.
public struct MC0Deliveries: AsyncSequence, Sendable {
    public typealias Element = MC0Delivery
    public typealias Failure = Never

    let buffer: DeliveryBuffer

    public func makeAsyncIterator() -> Iterator { Iterator(buffer: buffer) }

    public struct Iterator: AsyncIteratorProtocol {
        public typealias Element = MC0Delivery
        public typealias Failure = Never

        let buffer: DeliveryBuffer

        public mutating func next() async -> MC0Delivery? { await buffer.next() }
    }
}

/// The queue behind `MC0Deliveries`: the loop thread pushes, consumers take from any thread.
/// While consumers wait, the queue is empty: a push hands its delivery to the first of them.
final class DeliveryBuffer: Sendable {
    private struct State {
        var queue: [MC0Delivery] = []
        var head = 0
        var consumers: [(id: UInt64, continuation: CheckedContinuation<MC0Delivery?, Never>)] = []
        var nextConsumer: UInt64 = 0
        var finished = false
        var paused = false
        /// Called on a consumer's thread when a paused buffer was drained to half its mark.
        var drained: (@Sendable () -> Void)?

        var count: Int { queue.count - head }

        /// Takes the first queued delivery; also returns the drained callback when this take
        /// ended a pause.
        mutating func pop(capacity: Int) -> (MC0Delivery, (@Sendable () -> Void)?)? {
            guard count > 0 else { return nil }
            let delivery = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024, head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
            guard paused, count <= capacity / 2 else { return (delivery, nil) }
            paused = false
            return (delivery, drained)
        }
    }

    /// The mark at which reading pauses; reading resumes at half of it.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Sets what to call when a paused buffer was drained to half its mark.
    func whenDrained(_ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.drained = body }
    }

    /// Queues a delivery or hands it to a waiting consumer. True while the buffer is at its
    /// mark: the caller must (keep) reading paused.
    func push(_ delivery: MC0Delivery) -> Bool {
        let (consumer, paused): (CheckedContinuation<MC0Delivery?, Never>?, Bool) = state.withLock { state in
            if !state.consumers.isEmpty { return (state.consumers.removeFirst().continuation, false) }
            state.queue.append(delivery)
            if state.count >= capacity { state.paused = true }
            return (nil, state.paused)
        }
        consumer?.resume(returning: delivery)
        return paused
    }

    /// Reading was paused for the consumers and has not resumed yet.
    var isPaused: Bool { state.withLock { $0.paused } }

    /// Deliveries waiting for a consumer.
    var count: Int { state.withLock { $0.count } }

    /// Ends the sequence once the queued deliveries are taken.
    func finish() {
        let waiting = state.withLock { state in
            state.finished = true
            defer { state.consumers = [] }
            return state.consumers.map(\.continuation)
        }
        for c in waiting { c.resume(returning: nil) }
    }

    /// The next delivery; nil at the end, or when the task is cancelled while it waits.
    func next() async -> MC0Delivery? {
        let (taken, id): ((MC0Delivery, (@Sendable () -> Void)?)?, UInt64) = state.withLock { state in
            if let taken = state.pop(capacity: capacity) { return (taken, 0) }
            state.nextConsumer += 1
            return (nil, state.nextConsumer)
        }
        if let (delivery, drained) = taken {
            drained?()
            return delivery
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<MC0Delivery?, Never>) in
                let (ready, drained): (MC0Delivery??, (@Sendable () -> Void)?) = state.withLock { state in
                    if let (delivery, drained) = state.pop(capacity: capacity) { return (.some(delivery), drained) }
                    // Checked under the lock the cancellation handler takes: either it finds this
                    // consumer waiting, or this sees the cancellation.
                    if state.finished || Task.isCancelled { return (.some(nil), nil) }
                    state.consumers.append((id, c))
                    return (nil, nil)
                }
                drained?()
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            let waiting: CheckedContinuation<MC0Delivery?, Never>? = state.withLock { state in
                guard let index = state.consumers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.consumers.remove(at: index).continuation
            }
            waiting?.resume(returning: nil)
        }
    }
}
