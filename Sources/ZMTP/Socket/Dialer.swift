/// Dials an endpoint and keeps redialing with libzmq's reconnect semantics: RECONNECT_IVL plus
/// random jitter, or doubling up to RECONNECT_IVL_MAX (plus jitter) when that is set. A failed handshake
/// (wrong CURVE key, protocol error) backs off exponentially too, so a misconfigured client
/// retries calmly instead of hammering the server (libzmq gives up on such an endpoint instead).
/// Every dial resolves the host again, off the loop thread (`HostResolver`).
/// Loop-confined: a reference crosses threads only inside a task queued to the loop (the
/// resolver's answer), hence the unchecked Sendable.
final class Dialer: IOHandler, @unchecked Sendable {
    let socket: ZMTPSocket
    let endpoint: Endpoint
    let pipe: Pipe
    private let resolver: HostResolver
    private var pendingFD: Int32 = -1
    private var connection: PeerConnection?
    private var retry: TimerHandle?
    private var backoff: UInt64
    private var handshakeFailures = 0
    private var stopped = false

    init(socket: ZMTPSocket, endpoint: Endpoint, pipe: Pipe, resolver: HostResolver) {
        self.socket = socket
        self.endpoint = endpoint
        self.pipe = pipe
        self.resolver = resolver
        backoff = socket.options.reconnectInterval.nanoseconds
    }

    func dial() {
        retry = nil
        guard !stopped else { return }
        resolver.resolve(endpoint, on: socket.loop) { [self] result in resolved(result) }
    }

    /// The host's address (or why there is none) came back to the loop: connect to it.
    private func resolved(_ result: Result<SocketAddress, EndpointError>) {
        assert(socket.loop.inLoop, "a dialer runs on its socket's loop thread")
        guard !stopped else { return }
        do {
            let (fd, connected) = try TCP.connect(to: result.get())
            if connected {
                established(fd)
            } else {
                pendingFD = fd
                try socket.loop.register(fd: fd, interest: .writable, handler: self)
            }
        } catch {
            if pendingFD >= 0 { TCP.close(pendingFD); pendingFD = -1 }
            connectFailed("\(error)")
        }
    }

    /// The pending non-blocking connect finished, one way or the other.
    func ioReady(readable: Bool, writable: Bool) {
        let fd = pendingFD
        pendingFD = -1
        socket.loop.unregister(fd: fd)
        do {
            try TCP.finishConnect(fd)
            established(fd)
        } catch {
            TCP.close(fd)
            connectFailed("\(error)")
        }
    }

    private func established(_ fd: Int32) {
        do {
            connection = try PeerConnection(socket: socket, fd: fd, pipe: pipe, peerName: endpoint.description, dialer: self)
            socket.emit(.connected(endpoint))
        } catch {
            TCP.close(fd)
            connectFailed("\(error)")
        }
    }

    private func connectFailed(_ reason: String) {
        socket.logger.debug("connect to \(endpoint) failed: \(reason)")
        socket.emit(.connectFailed(endpoint, reason: reason))
        scheduleRetry(failed: true)
    }

    func handshakeSucceeded() {
        handshakeFailures = 0
        backoff = socket.options.reconnectInterval.nanoseconds
    }

    func connectionLost(handshakeFailed: Bool) {
        connection = nil
        if handshakeFailed { handshakeFailures += 1 }
        scheduleRetry(failed: handshakeFailed)
    }

    private func scheduleRetry(failed: Bool) {
        let interval = socket.options.reconnectInterval.nanoseconds
        guard !stopped, interval > 0 else { return }
        let max = socket.options.reconnectIntervalMax.nanoseconds
        // Random jitter in both modes, so a fleet that lost its broker does not come back in
        // lockstep (the digest measured none from libzmq with RECONNECT_IVL_MAX set).
        var delay = UInt64.random(in: 0..<interval)
        if max > 0 {
            delay += backoff
            if failed { backoff = Swift.min(backoff * 2, max) }
        } else {
            delay += interval
        }
        if handshakeFailures > 0 {
            delay = Swift.max(delay, Swift.min(interval << UInt64(Swift.min(handshakeFailures, 8)), 30_000_000_000))
        }
        retry = socket.loop.schedule(after: delay) { [weak self] in self?.dial() }
        socket.emit(.connectRetried(endpoint, delay: .nanoseconds(Int64(clamping: delay))))
    }

    func stop(reason: String = "socket closed") {
        stopped = true
        if let retry { socket.loop.cancel(retry) }
        if pendingFD >= 0 {
            socket.loop.unregister(fd: pendingFD)
            TCP.close(pendingFD)
            pendingFD = -1
        }
        connection?.close(reason: reason)
    }
}
