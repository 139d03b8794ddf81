import Dispatch
import Logging
import NATSWire
import ZMTP

/// A NATS client connection on a ZMTP `EventLoop`: it connects to one of its servers, keeps
/// subscriptions across reconnections (SUB again on every new connection), answers and sends
/// PINGs, and reconnects with backoff and jitter, moving through the servers it was given and
/// those the cluster advertises. Publishing never blocks: commands queue in one buffer bounded
/// by `maxPendingBytes`, and a publish that does not fit is dropped and counted (NATS core is
/// at most once anyway). While disconnected, publishes queue in the same buffer and go out
/// after the next connection's SUBs.
///
/// Loop-confined: every method must be called on `loop`'s thread (checked in debug builds).
/// Call `close()` when done: until then its socket and timers keep it alive.
public final class NATSConnection: IOHandler, @unchecked Sendable {
    enum Phase { case idle, connecting, handshaking, connected, closed }

    /// The loop the connection runs on; call it only on this loop's thread.
    public let loop: EventLoop
    let options: NATSClientOptions
    let logger: Logger
    private let onMessage: (NATSMessage) -> Void
    private let onEvent: (NATSEvent) -> Void

    var phase = Phase.idle
    private var servers: [NATSServerURL]
    private var serverIndex = -1
    private var failures = 0
    private var everConnected = false
    private var fd: Int32 = -1
    private var parser: NATSParser
    private var maxPayload = 1 << 20
    private var attempt = 0
    private var timer: TimerHandle?
    private var pingsOutstanding = 0

    /// sid -> subject, re-sent on every connection.
    private var subscriptions: [UInt64: String] = [:]
    private var nextSID: UInt64 = 0

    /// Handshake commands and the SUBs of a new connection, written before `output`.
    private var priority: [UInt8] = []
    private var output: [UInt8] = []
    private var outputStart = 0
    /// Stream offsets (bytes ever appended to `output`) where each queued PUB ends, oldest first,
    /// to count the publishes a lost connection takes with it.
    private var pubEnds: [UInt64] = []
    private var pubEndsStart = 0
    private var appended: UInt64 = 0
    private var writtenOut: UInt64 = 0
    private var flushQueued = false
    private var readPaused = false
    /// CONNECT went out on the current connection (INFO can come again later).
    private var sentConnect = false
    private var interest: IOInterest = []
    private var counters = NATSClientStats()
    private var readBuffer = [UInt8](repeating: 0, count: 64 << 10)

    /// A connection that connects once `start()` is called. `onMessage` receives the messages of
    /// our subscriptions and `onEvent` what happens to the connection, both on the loop thread.
    public init(options: NATSClientOptions, loop: EventLoop, logger: Logger = Logger(label: "nats"),
                onMessage: @escaping (NATSMessage) -> Void, onEvent: @escaping (NATSEvent) -> Void = { _ in }) {
        self.options = options
        self.loop = loop
        self.logger = logger
        self.onMessage = onMessage
        self.onEvent = onEvent
        servers = options.servers
        parser = NATSParser(maxControlLine: options.maxControlLine)
    }

    // MARK: - API (loop thread)

    /// Starts connecting; reconnects by itself until `close()`.
    public func start() {
        assert(loop.inLoop, "a NATS connection is confined to its loop thread")
        guard phase == .idle else { return }
        connectNext()
    }

    /// Subscribes now (when connected) and on every later connection; returns the sid.
    public func subscribe(_ subject: String) throws(NATSWireError) -> UInt64 {
        assert(loop.inLoop, "a NATS connection is confined to its loop thread")
        try NATSCommand.check(subject)
        nextSID += 1
        subscriptions[nextSID] = subject
        if phase == .connected {
            let before = output.count
            try NATSCommand.subscribe(subject: subject, sid: nextSID, into: &output)
            appended += UInt64(output.count - before)
            scheduleFlush()
        }
        return nextSID
    }

    /// Drops a subscription; a MSG for it that was on its way is ignored.
    public func unsubscribe(_ sid: UInt64) {
        assert(loop.inLoop, "a NATS connection is confined to its loop thread")
        guard subscriptions.removeValue(forKey: sid) != nil, phase == .connected else { return }
        let before = output.count
        NATSCommand.unsubscribe(sid: sid, into: &output)
        appended += UInt64(output.count - before)
        scheduleFlush()
    }

    /// Queues a PUB. False when it was dropped and counted: the queue is full
    /// (`droppedBufferFull`), or it exceeds the server's `max_payload` or the subject is
    /// invalid (`droppedRefused`, logged).
    @discardableResult
    public func publish(subject: String, payload: [UInt8]) -> Bool {
        assert(loop.inLoop, "a NATS connection is confined to its loop thread")
        guard phase != .closed else { return false }
        guard pendingBytes + payload.count + subject.utf8.count + 32 <= options.maxPendingBytes else {
            counters.droppedBufferFull += 1
            return false
        }
        let before = output.count
        do {
            try NATSCommand.publish(subject: subject, payload: payload, maxPayload: maxPayload, into: &output)
        } catch {
            counters.droppedRefused += 1
            logger.warning("NATS publish dropped: \(error)")
            return false
        }
        appended += UInt64(output.count - before)
        pubEnds.append(appended)
        counters.published += 1
        if phase == .connected { scheduleFlush() }
        return true
    }

    /// Stops reading from the server (flow control); PINGs are not counted against it meanwhile.
    public func pauseReading() {
        assert(loop.inLoop, "a NATS connection is confined to its loop thread")
        readPaused = true
        updateInterest()
    }

    /// Reads from the server again after `pauseReading()`.
    public func resumeReading() {
        assert(loop.inLoop, "a NATS connection is confined to its loop thread")
        guard readPaused else { return }
        readPaused = false
        pingsOutstanding = 0
        updateInterest()
        // Operations parsed before the pause are handled first, outside the caller's stack.
        loop.execute { [self] in if !readPaused { handleParsed() } }
    }

    /// Closes the connection and stops reconnecting; what was queued is dropped.
    public func close() {
        assert(loop.inLoop, "a NATS connection is confined to its loop thread")
        guard phase != .closed else { return }
        dropConnection(discardingOutput: true)
        phase = .closed
    }

    /// The counters now.
    public var stats: NATSClientStats {
        var stats = counters
        stats.connected = phase == .connected
        stats.pendingBytes = pendingBytes
        stats.subscriptions = subscriptions.count
        return stats
    }

    /// Bytes queued for the server and not yet written.
    var pendingBytes: Int { priority.count + output.count - outputStart }

    /// The server in use or being tried.
    public var currentServer: String { serverIndex >= 0 && serverIndex < servers.count ? servers[serverIndex].description : "none" }

    // MARK: - Connecting

    private func connectNext() {
        guard phase != .closed else { return }
        guard !servers.isEmpty else {
            logger.error("NATS: no server to connect to")
            phase = .closed
            return
        }
        phase = .connecting
        attempt += 1
        serverIndex = (serverIndex + 1) % servers.count
        let server = servers[serverIndex]
        let current = attempt
        arm(after: options.connectTimeout) { [self] in failed(attempt: current, "no INFO and PONG within \(options.connectTimeout)") }
        let endpoint = Endpoint(host: server.host, port: server.port)
        // The name lookup inside TCP.connect may block: it runs off the loop.
        DispatchQueue.global().async { [self] in
            let result = Result { try TCP.connect(endpoint) }
            let delivered = loop.execute { [self] in started(result, attempt: current) }
            if !delivered, case .success(let socket) = result { TCP.close(socket.fd) }
        }
    }

    private func started(_ result: Result<(fd: Int32, connected: Bool), any Error>, attempt current: Int) {
        guard current == attempt, phase == .connecting else {
            if case .success(let socket) = result { TCP.close(socket.fd) }
            return
        }
        switch result {
        case .failure(let error):
            failed(attempt: current, "\(error)")
        case .success(let socket):
            fd = socket.fd
            do {
                try loop.register(fd: fd, interest: [], handler: self)
            } catch {
                TCP.close(fd)
                fd = -1
                return failed(attempt: current, "\(error)")
            }
            phase = .handshaking
            sentConnect = false
            parser = NATSParser(maxControlLine: options.maxControlLine)
            if socket.connected { updateInterest() } else { setInterest(.writable) }
        }
    }

    /// This attempt failed: try the next server after the backoff.
    private func failed(attempt current: Int, _ reason: String) {
        guard current == attempt, phase == .connecting || phase == .handshaking else { return }
        let server = currentServer
        logger.debug("NATS connect to \(server) failed: \(reason)")
        onEvent(.connectFailed(server: server, reason: reason))
        dropConnection(discardingOutput: false)
        failures += 1
        scheduleReconnect()
    }

    private func scheduleReconnect() {
        phase = .idle
        let minimum = Self.nanoseconds(options.reconnectDelayMin)
        let maximum = Self.nanoseconds(options.reconnectDelayMax)
        let delay = min(maximum, minimum << UInt64(min(failures, 20)))
        let jittered = delay / 2 + UInt64.random(in: 0...(delay / 2))
        arm(after: .nanoseconds(Int64(jittered))) { [self] in connectNext() }
    }

    /// The connection in use is lost: count what it took with it and reconnect.
    private func lost(_ reason: String) {
        guard phase == .connected || phase == .handshaking else { return }
        if phase == .handshaking { return failed(attempt: attempt, reason) }
        let server = currentServer
        logger.warning("NATS connection to \(server) lost: \(reason)")
        onEvent(.disconnected(server: server, reason: reason))
        dropConnection(discardingOutput: true)
        failures = 0
        scheduleReconnect()
    }

    /// Closes the socket. A connection that was up may have written part of `output`: what is
    /// left of it is discarded (SUBs are re-sent on the next connection; the PUBs not yet
    /// written are counted as lost). A failed attempt wrote none of it: it waits for the next.
    private func dropConnection(discardingOutput: Bool) {
        if let timer { loop.cancel(timer) }
        timer = nil
        if fd >= 0 {
            loop.unregister(fd: fd)
            TCP.close(fd)
            fd = -1
        }
        interest = []
        priority = []
        pingsOutstanding = 0
        guard discardingOutput else { return }
        counters.droppedDisconnected += UInt64(pubEnds.count - pubEndsStart)
        pubEnds = []
        pubEndsStart = 0
        output = []
        outputStart = 0
        writtenOut = appended
    }

    // MARK: - I/O

    /// The loop's readiness callback (IOHandler): connects, writes, reads.
    public func ioReady(readable: Bool, writable: Bool) {
        assert(loop.inLoop, "a NATS connection is confined to its loop thread")
        if writable && phase == .handshaking && interest == .writable {
            do {
                try TCP.finishConnect(fd)
            } catch {
                return failed(attempt: attempt, "\(error)")
            }
            updateInterest()
            return
        }
        if writable { flush() }
        if readable && !readPaused { read() }
    }

    private func read() {
        for _ in 0..<16 {
            guard fd >= 0, !readPaused else { return }
            let result = readBuffer.withUnsafeMutableBytes { buffer in Result { () throws(SystemError) in try TCP.read(fd, into: buffer) } }
            switch result {
            case .success(.bytes(let count)):
                readBuffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                handleParsed()
            case .success(.wouldBlock):
                return
            case .success(.eof):
                return lost("the server closed the connection")
            case .failure(let error):
                return lost("\(error)")
            }
        }
    }

    /// Handles the operations parsed so far, until reading is paused.
    private func handleParsed() {
        while fd >= 0, !readPaused {
            let operation: NATSServerOperation?
            do {
                operation = try parser.next()
            } catch {
                counters.serverErrors += 1
                return lost("protocol error: \(error)")
            }
            guard let operation else { return }
            handle(operation)
        }
    }

    private func handle(_ operation: NATSServerOperation) {
        switch operation {
        case .info(let info):
            maxPayload = info.maxPayload
            learn(info.connectURLs)
            if phase == .handshaking {
                guard !info.tlsRequired else { return failed(attempt: attempt, "the server requires TLS, which this client does not speak") }
                sendConnect()
            }
        case .msg(let message):
            // A MSG for a sid just unsubscribed may still arrive: it is nobody's now.
            guard subscriptions[message.sid] != nil else { return }
            counters.received += 1
            onMessage(message)
        case .ping:
            NATSCommand.pong(into: &priority)
            scheduleFlush()
        case .pong:
            if phase == .handshaking { return established() }
            pingsOutstanding = 0
        case .ok:
            break
        case .err(let text):
            counters.serverErrors += 1
            logger.warning("NATS server \(currentServer): -ERR '\(text)'")
            onEvent(.serverError(text))
            if phase == .handshaking { failed(attempt: attempt, "server error: \(text)") }
        }
    }

    private func sendConnect() {
        guard !sentConnect else { return }
        sentConnect = true
        let server = servers[serverIndex]
        var connect = options.connect
        if server.user != nil || server.token != nil {
            connect.user = server.user
            connect.password = server.password
            connect.token = server.token
        }
        NATSCommand.connect(connect, into: &priority)
        NATSCommand.ping(into: &priority)
        flush()
    }

    /// CONNECT was accepted (its PING answered): subscribe again and let the publishes go.
    private func established() {
        if let timer { loop.cancel(timer) }
        timer = nil
        phase = .connected
        failures = 0
        for (sid, subject) in subscriptions.sorted(by: { $0.key < $1.key }) {
            try? NATSCommand.subscribe(subject: subject, sid: sid, into: &priority)
        }
        if everConnected { counters.reconnects += 1 }
        everConnected = true
        logger.info("NATS connected to \(currentServer) (\(subscriptions.count) subscriptions)")
        onEvent(.connected(server: currentServer))
        schedulePing()
        flush()
    }

    /// Adds the servers a cluster advertises, with the credentials of the first configured URL
    /// that has some (else the options' own).
    private func learn(_ urls: [String]) {
        let credentials = options.servers.first { $0.user != nil || $0.token != nil }
        for text in urls {
            guard var url = try? NATSServerURL.parse(text), !servers.contains(where: { $0.address == url.address }) else { continue }
            url.user = credentials?.user
            url.password = credentials?.password
            url.token = credentials?.token
            servers.append(url)
        }
    }

    private func schedulePing() {
        arm(after: options.pingInterval) { [self] in
            guard phase == .connected else { return }
            if readPaused { pingsOutstanding = 0 }
            if pingsOutstanding >= options.maxPingsOutstanding {
                return lost("no PONG to \(pingsOutstanding) PINGs: the server is unresponsive")
            }
            pingsOutstanding += 1
            NATSCommand.ping(into: &priority)
            flush()
            schedulePing()
        }
    }

    private func scheduleFlush() {
        guard !flushQueued else { return }
        flushQueued = true
        // Batched: everything queued in this round of the loop goes out in one write.
        loop.execute { [self] in
            flushQueued = false
            flush()
        }
    }

    private func flush() {
        guard fd >= 0 else { return }
        if !priority.isEmpty {
            guard let written = write(priority[...]) else { return }
            priority.removeFirst(written)
            if !priority.isEmpty { return setInterest(wanted(writable: true)) }
        }
        if phase == .connected && outputStart < output.count {
            guard let written = write(output[outputStart...]) else { return }
            outputStart += written
            writtenOut += UInt64(written)
            while pubEndsStart < pubEnds.count && pubEnds[pubEndsStart] <= writtenOut { pubEndsStart += 1 }
            if outputStart == output.count {
                output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
                outputStart = 0
                pubEnds.removeAll(keepingCapacity: true)
                pubEndsStart = 0
            } else if outputStart >= 1 << 20 {
                output.removeFirst(outputStart)
                outputStart = 0
                pubEnds.removeFirst(pubEndsStart)
                pubEndsStart = 0
            }
        }
        setInterest(wanted(writable: pendingBytes > 0 && (phase == .connected || !priority.isEmpty)))
    }

    /// Writes what the kernel takes; nil when the connection failed (it is then being replaced).
    private func write(_ bytes: ArraySlice<UInt8>) -> Int? {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(SystemError) in try TCP.write(fd, buffer) } }
        switch result {
        case .success(let count): return count
        case .failure(let error):
            lost("\(error)")
            return nil
        }
    }

    private func wanted(writable: Bool) -> IOInterest {
        var wanted: IOInterest = writable ? .writable : []
        if !readPaused { wanted.insert(.readable) }
        return wanted
    }

    private func updateInterest() {
        guard fd >= 0, phase != .connecting else { return }
        setInterest(wanted(writable: !priority.isEmpty || (phase == .connected && outputStart < output.count)))
    }

    private func setInterest(_ wanted: IOInterest) {
        guard fd >= 0, wanted != interest else { return }
        do {
            try loop.setInterest(fd: fd, wanted)
            interest = wanted
        } catch {
            lost("\(error)")
        }
    }

    private func arm(after duration: Duration, _ body: @escaping () -> Void) {
        if let timer { loop.cancel(timer) }
        timer = loop.schedule(after: Self.nanoseconds(duration)) { [self] in
            timer = nil
            body()
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, atto) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, atto) / 1_000_000_000)
    }
}
