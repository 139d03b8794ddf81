import ZMTP

/// A minimal HTTP/1.x responder for `GET /metrics`, on the broker's own event loop: accepting,
/// reading and writing are non-blocking, and each exchange is bounded so a hostile or broken
/// scraper costs little and never holds up message flow. Per connection: at most
/// `maxRequestBytes` of request (more: 431 and close), `timeout` for the whole exchange (then
/// it is closed, answered or not), one response, then close. At most `maxConnections` at once;
/// more are closed as soon as accepted. Loop-confined.
final class MetricsServer: IOHandler {
    static let maxRequestBytes = 8 << 10
    static let maxConnections = 16

    let loop: EventLoop
    let fd: Int32
    /// The bound endpoint (with the real port when 0 was asked).
    let endpoint: Endpoint
    let timeout: UInt64
    /// Writes the exposition; called on the loop for each valid request.
    let render: () -> String
    private var exchanges: [ObjectIdentifier: MetricsExchange] = [:]
    private var closed = false
    /// Set while accepting is suspended after an accept error.
    private var errorPause: TimerHandle?

    init(endpoint: Endpoint, loop: EventLoop, timeout: Duration, render: @escaping () -> String) throws {
        assert(loop.inLoop)
        self.loop = loop
        self.timeout = UInt64(timeout.components.seconds) * 1_000_000_000 + UInt64(timeout.components.attoseconds / 1_000_000_000)
        self.render = render
        let (fd, port) = try TCP.listen(endpoint, backlog: 64)
        self.fd = fd
        self.endpoint = Endpoint(host: endpoint.host, port: port)
        do {
            try loop.register(fd: fd, interest: .readable, handler: self)
        } catch {
            TCP.close(fd)
            throw error
        }
    }

    func ioReady(readable: Bool, writable: Bool) {
        assert(loop.inLoop)
        for _ in 0..<16 {
            guard !closed, errorPause == nil else { return }
            let accepted: (fd: Int32, peer: String)
            do {
                guard let next = try TCP.accept(fd) else { return }
                accepted = next
            } catch {
                // Out of descriptors or similar: the fd stays readable, so stop polling it for a
                // moment instead of spinning; the broker's own listener does the same.
                return pauseAccepting()
            }
            guard exchanges.count < Self.maxConnections else {
                TCP.close(accepted.fd)
                continue
            }
            guard let exchange = try? MetricsExchange(fd: accepted.fd, server: self) else {
                TCP.close(accepted.fd)
                continue
            }
            exchanges[ObjectIdentifier(exchange)] = exchange
        }
    }

    /// Stops polling the listening fd for 100 ms; a failed re-enable pauses again rather than
    /// leaving the endpoint deaf.
    private func pauseAccepting() {
        guard errorPause == nil else { return }
        try? loop.setInterest(fd: fd, [])
        errorPause = loop.schedule(after: 100_000_000) { [self] in
            errorPause = nil
            guard !closed else { return }
            do { try loop.setInterest(fd: fd, .readable) } catch { pauseAccepting() }
        }
    }

    func ended(_ exchange: MetricsExchange) {
        exchanges[ObjectIdentifier(exchange)] = nil
    }

    func close() {
        assert(loop.inLoop)
        guard !closed else { return }
        closed = true
        if let errorPause { loop.cancel(errorPause) }
        loop.unregister(fd: fd)
        TCP.close(fd)
        for exchange in Array(exchanges.values) { exchange.close() }
    }
}
