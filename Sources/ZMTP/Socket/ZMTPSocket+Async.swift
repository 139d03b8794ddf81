/// The async face of send and receive. Both honour Task cancellation: a cancelled caller
/// throws `CancellationError` at once, and a closed socket throws `SocketError.closed`.
extension ZMTPSocket {
    /// Sends as `send(_:timeout:)` does, suspending (not blocking a thread) while no peer can
    /// take the message.
    public func send(_ message: [[UInt8]]) async throws {
        while true {
            do {
                return try send(message, timeout: .zero)
            } catch SocketError.wouldBlock {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let now: Bool = lock.withLock {
                            if isClosed || hasRoomLocked() || Task.isCancelled { return true }
                            asyncSenders.append(c)
                            return false
                        }
                        if now { c.resume() }
                    }
                } onCancel: {
                    // A waiting sender only retries when woken, so waking them all is safe:
                    // the cancelled one throws below, the others wait again.
                    let senders: [CheckedContinuation<Void, Never>] = lock.withLock {
                        var all: [CheckedContinuation<Void, Never>] = []
                        while let c = asyncSenders.popFirst() { all.append(c) }
                        return all
                    }
                    for c in senders { c.resume() }
                }
                try Task.checkCancellation()
            }
        }
    }

    /// Receives the next message as `receive(timeout:)` does, suspending while none is queued.
    public func receive() async throws -> [[UInt8]] {
        let (message, resume): ([[UInt8]]?, (any PeerLink)?) = try lock.withLock {
            try room.checkReceive()
            if let taken = dequeue(Self.popArrays) { return (taken.0, taken.1) }
            if isClosed { throw SocketError.closed }
            return (nil, nil)
        }
        if let resume { loop.execute { resume.resumeReading() } }
        if let message { return message }
        let receiver = AsyncReceiver()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { c in
                let ready: Result<[[UInt8]], Error>? = lock.withLock {
                    if let taken = dequeue(Self.popArrays) {
                        if let r = taken.1 { loop.execute { r.resumeReading() } }
                        return .success(taken.0)
                    }
                    if isClosed { return .failure(SocketError.closed) }
                    if receiver.isCancelled { return .failure(CancellationError()) }
                    receiver.wait(c)
                    asyncReceivers.append(receiver)
                    return nil
                }
                if let ready { c.resume(with: ready) }
            }
        } onCancel: {
            lock.withLock {
                defer { dropCancelledReceiversLocked() }
                return receiver.cancel()
            }?.resume(throwing: CancellationError())
        }
    }

    /// Whether an async receiver waits (lock held); drops the cancelled ones at the front.
    func hasAsyncReceiverLocked() -> Bool {
        while let first = asyncReceivers.first, first.isCancelled { _ = asyncReceivers.popFirst() }
        return !asyncReceivers.isEmpty
    }

    /// Takes the cancelled receivers out of the queue (lock held), so calls cancelled while no
    /// message comes do not pile up behind a live one.
    private func dropCancelledReceiversLocked() {
        var live = RingBuffer<AsyncReceiver>()
        while let receiver = asyncReceivers.popFirst() {
            if !receiver.isCancelled { live.append(receiver) }
        }
        asyncReceivers = live
    }
}

/// An async `receive` waiting for a message. It is resumed once: by a delivery, by close, or
/// by its Task's cancellation, which leaves it in the queue, empty, for deliveries to skip.
/// Guarded by the socket's lock.
final class AsyncReceiver: @unchecked Sendable {
    private var continuation: CheckedContinuation<[[UInt8]], Error>?
    private(set) var isCancelled = false

    func wait(_ c: CheckedContinuation<[[UInt8]], Error>) { continuation = c }

    /// The continuation to resume, once.
    func take() -> CheckedContinuation<[[UInt8]], Error>? {
        defer { continuation = nil }
        return continuation
    }

    /// Marks it cancelled; returns the continuation to resume if it was still waiting.
    func cancel() -> CheckedContinuation<[[UInt8]], Error>? {
        isCancelled = true
        return take()
    }
}
