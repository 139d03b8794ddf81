@_spi(Engine) import ZMTPCore

/// The async face of send and receive. Every call suspends the Task, never a thread, and ends
/// with the first of: success, `SocketError.closed`, `CancellationError` when its Task is
/// cancelled (at once, also while suspended), or `SocketError.timedOut` when `timeout` passes.
/// A timeout of `.zero` never suspends: it throws `SocketError.wouldBlock` instead, as the
/// blocking calls do. In an async context these overloads are the ones called.
extension ZMTPSocket {
    /// Sends one multipart message as `send(_:timeout:)` does, suspending while no peer can
    /// take it. A ROUTER never suspends.
    public func send(_ message: [[UInt8]], timeout: Duration? = nil) async throws {
        try Task.checkCancellation()
        let deadline = timeout.map(\.deadlineFromNow)
        while true {
            do {
                return try sendWithoutWaiting(message)
            } catch SocketError.wouldBlock where timeout != .zero {
                try await AsyncWaiter<Void>.suspend(loop: loop, deadline: deadline, enqueue: { waiter in
                    let now: AsyncWaiter<Void>.Resumption? = lock.withLock {
                        // Room, or close, makes the send worth another try.
                        let now = waiter.decide { isClosed || hasRoomLocked() ? .success(()) : nil }
                        if now == nil && !waiter.isDecided { asyncSenders.append(waiter) }
                        return now
                    }
                    now?.resume()
                }, forget: { [self] in lock.withLock { dropDecidedSendersLocked() } })
            }
        }
    }

    /// Receives the next message as `receive(timeout:)` does (fair-queued; ROUTER prepends
    /// the routing id), suspending while none is queued. Messages queued before close are
    /// still received; then it throws `SocketError.closed`.
    public func receive(timeout: Duration? = nil) async throws -> [[UInt8]] {
        try Task.checkCancellation()
        let message: [[UInt8]]? = try lock.withLock {
            try room.checkReceive()
            if let message = takeArraysLocked() { return message }
            if isClosed { throw SocketError.closed }
            if timeout == .zero { throw SocketError.wouldBlock }
            return nil
        }
        if let message { return message }
        return try await AsyncWaiter<[[UInt8]]>.suspend(loop: loop, deadline: timeout.map(\.deadlineFromNow), enqueue: { waiter in
            let now: AsyncWaiter<[[UInt8]]>.Resumption? = lock.withLock {
                let now = waiter.decide {
                    if let message = takeArraysLocked() { return .success(message) }
                    return isClosed ? .failure(SocketError.closed) : nil
                }
                if now == nil && !waiter.isDecided { asyncReceivers.append(waiter) }
                return now
            }
            now?.resume()
        }, forget: { [self] in lock.withLock { dropDecidedReceiversLocked() } })
    }

    /// Takes the next message as arrays (lock held), and has the loop read again from its peer
    /// when taking it brought the peer's queue down to the low-water mark.
    func takeArraysLocked() -> [[UInt8]]? {
        guard let (message, resume) = dequeue(Self.popArrays) else { return nil }
        if let resume { loop.execute { resume.resumeReading() } }
        return message
    }

    /// The blocking send with a zero timeout (from a synchronous context, so the overload
    /// taken is the non-suspending one).
    private func sendWithoutWaiting(_ message: [[UInt8]]) throws {
        try send(message, timeout: .zero)
    }

    /// Hands messages from `messages` to the waiting async receivers, in order (lock held);
    /// a receiver decided meanwhile (cancelled, timed out) is skipped and loses nothing.
    func handToAsyncReceiversLocked(_ messages: inout FramedMessages, prefix: [UInt8]?) -> [AsyncWaiter<[[UInt8]]>.Resumption] {
        var handed: [AsyncWaiter<[[UInt8]]>.Resumption] = []
        while let waiter = asyncReceivers.first {
            if let r = waiter.decide({ messages.popMessage(prefix: prefix).map { .success($0) } }) {
                handed.append(r)
            } else if !waiter.isDecided {
                break  // no whole message left
            }
            _ = asyncReceivers.popFirst()
        }
        return handed
    }

    /// Hands queued messages to the waiting async receivers, in order (lock held), through the
    /// room's inspection of what is taken.
    func handQueuedToAsyncReceiversLocked() -> [AsyncWaiter<[[UInt8]]>.Resumption] {
        var handed: [AsyncWaiter<[[UInt8]]>.Resumption] = []
        while let waiter = asyncReceivers.first {
            if let r = waiter.decide({ takeArraysLocked().map { .success($0) } }) {
                handed.append(r)
            } else if !waiter.isDecided {
                break  // nothing left to take
            }
            _ = asyncReceivers.popFirst()
        }
        return handed
    }

    /// Wakes every async sender waiting for room (lock held): each tries again.
    func wakeAsyncSendersLocked() -> [AsyncWaiter<Void>.Resumption] {
        var woken: [AsyncWaiter<Void>.Resumption] = []
        while let waiter = asyncSenders.popFirst() {
            if let r = waiter.decide({ .success(()) }) { woken.append(r) }
        }
        return woken
    }

    /// Ends every async call waiting on the socket (lock held): receivers throw `closed`,
    /// senders try again and find the socket closed.
    func wakeAllAsyncLocked() -> (receivers: [AsyncWaiter<[[UInt8]]>.Resumption], senders: [AsyncWaiter<Void>.Resumption]) {
        var receivers: [AsyncWaiter<[[UInt8]]>.Resumption] = []
        while let waiter = asyncReceivers.popFirst() {
            if let r = waiter.decide({ .failure(SocketError.closed) }) { receivers.append(r) }
        }
        return (receivers, wakeAsyncSendersLocked())
    }

    private func dropDecidedReceiversLocked() {
        var live = RingBuffer<AsyncWaiter<[[UInt8]]>>()
        while let waiter = asyncReceivers.popFirst() {
            if !waiter.isDecided { live.append(waiter) }
        }
        asyncReceivers = live
    }

    private func dropDecidedSendersLocked() {
        var live = RingBuffer<AsyncWaiter<Void>>()
        while let waiter = asyncSenders.popFirst() {
            if !waiter.isDecided { live.append(waiter) }
        }
        asyncSenders = live
    }
}
