import MC0
import ZMTP

/// One acknowledged command: sent with a fresh ID, answered by the OK or ERROR carrying it.
final class Request {
    enum Kind {
        case sub([String])
        case unsub([String])
        case put(topic: String, headers: [(key: String, value: [UInt8])], body: [[UInt8]])
        case noop
        /// The re-SUB of every acknowledged topic after a reconnection (no caller waits).
        case resubscribe([String])

        var verb: Verb {
            switch self {
            case .sub, .resubscribe: return .sub
            case .unsub: return .unsub
            case .put: return .put
            case .noop: return .noop
            }
        }
    }

    let kind: Kind
    private var completion: ((Result<Duration, Error>) -> Void)?
    var sentAt: UInt64 = 0
    /// The broker answered ERROR "not connected": the command had no effect and may be resent.
    var hadNoEffect = false
    /// Order of creation, to resend in the callers' order after a reconnection.
    let sequence: UInt64
    var timer: TimerHandle?
    /// The caller's, when one waits (not for a re-subscription).
    let cancellation: CallCancellation?

    init(kind: Kind, sequence: UInt64, cancellation: CallCancellation? = nil,
         completion: @escaping (Result<Duration, Error>) -> Void) {
        self.kind = kind
        self.sequence = sequence
        self.cancellation = cancellation
        self.completion = completion
    }

    var isDone: Bool { completion == nil }

    /// Completes once; later calls do nothing.
    func finish(_ result: Result<Duration, Error>) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }

    func message(id: [UInt8]) -> MC0Message {
        let idHeader = (key: MC0Header.id, value: id)
        switch kind {
        case .sub(let topics), .resubscribe(let topics), .unsub(let topics):
            return MC0Message(verb: kind.verb, headers: [idHeader], positional: topics.map { Array($0.utf8) })
        case .put(let topic, let headers, let body):
            return MC0Message(verb: .put, headers: [(key: MC0Header.topic, value: Array(topic.utf8))] + headers + [idHeader],
                              positional: body)
        case .noop:
            return MC0Message(verb: .noop, headers: [idHeader])
        }
    }
}

/// Requests and incoming messages, on the loop thread.
extension MC0Connector {
    /// Takes a new request from a caller: sends it now, or keeps it until a session is up.
    func start(_ request: Request) {
        if request.cancellation?.isCancelled == true { return request.finish(.failure(CancellationError())) }
        switch phase {
        case .closed:
            request.finish(.failure(MC0ConnectorError.closed))
            return
        case .idle:
            request.finish(.failure(MC0ConnectorError.notConnected))
            return
        case .connecting, .connected:
            break
        }
        let timeout = config.ackTimeout
        request.timer = loop.schedule(after: timeout.connectorNanoseconds) { [weak self, weak request] in
            guard let self, let request, !request.isDone else { return }
            self.pending = self.pending.filter { $0.value !== request }
            self.queued.removeAll { $0 === request }
            request.finish(.failure(MC0ConnectorError.timedOut(verb: request.kind.verb.rawValue, timeout: timeout)))
        }
        if phase == .connected { send(request) } else { queued.append(request) }
    }

    func send(_ request: Request) {
        let id = makeID()
        pending[id] = request
        request.sentAt = loop.now
        if let problem = transmit(request.message(id: id)) {
            pending[id] = nil
            complete(request, .failure(MC0ConnectorError.socket(problem)))
        }
    }

    /// Sends on the current socket; returns what went wrong, if anything.
    func transmit(_ message: MC0Message) -> String? {
        guard let socket else { return "no socket" }
        do {
            try socket.send(message.frames(), timeout: .zero)
            lastSent = loop.now
            return nil
        } catch {
            return "cannot queue \(message.verb.rawValue) for the broker: \(error)"
        }
    }

    func makeID() -> [UInt8] {
        nextRequestID += 1
        return Array(String(nextRequestID).utf8)
    }

    func complete(_ request: Request, _ result: Result<Duration, Error>) {
        if let timer = request.timer { loop.cancel(timer) }
        request.timer = nil
        request.finish(result)
    }

    /// A message from the broker on socket `generation` (loop thread).
    func received(_ frames: [[UInt8]], generation: Int) {
        guard generation == self.generation, phase != .closed else { return }
        lastHeard = loop.now
        let message: MC0Message
        do {
            message = try MC0Message.parse(frames)
        } catch {
            logger.warning("ignoring a malformed message from the broker: \(error)")
            return
        }
        switch message.verb {
        case .message:
            deliver(message)
        case .noop:
            break
        case .ok:
            guard let id = message.header(MC0Header.id) else { return }
            acknowledged(id: id)
        case .error:
            let text = String(decoding: message.header(MC0Header.message) ?? [], as: UTF8.self)
            refused(id: message.header(MC0Header.id), text: text)
        default:
            logger.warning("ignoring \(message.verb.rawValue) from the broker: a broker sends MESSAGE, OK, ERROR or NOOP")
        }
    }

    func deliver(_ message: MC0Message) {
        guard let topic = message.header(MC0Header.topic) else {
            logger.warning("ignoring a MESSAGE without TOPIC from the broker")
            return
        }
        let headers = message.headers.filter { $0.key != MC0Header.topic && $0.key != MC0Header.id }
        let full = deliveries.push(MC0Delivery(topic: String(decoding: topic, as: UTF8.self), headers: headers, body: message.positional))
        if full { socket?.pauseReading() }
    }

    func acknowledged(id: [UInt8]) {
        if case .connecting = phase, id == connectID {
            sessionStarted()
            return
        }
        guard let request = pending.removeValue(forKey: id) else {
            logger.debug("OK for an unknown or expired ID \(printableText(id))")
            return
        }
        switch request.kind {
        case .sub(let topics), .resubscribe(let topics):
            for topic in topics where !subscriptions.contains(topic) { subscriptions.append(topic) }
        case .unsub(let topics):
            subscriptions.removeAll { topics.contains($0) }
        case .put, .noop:
            break
        }
        complete(request, .success(.nanoseconds(Int64(loop.now &- request.sentAt))))
    }

    func refused(id: [UInt8]?, text: String) {
        if case .connecting = phase, let id, id == connectID {
            connectRefused(text)
            return
        }
        if Self.saysNotConnected(text) {
            // The command had no effect: sessionLost sends it again once the session is back.
            if let id, let request = pending[id] { request.hadNoEffect = true }
            if phase == .connected { sessionLost("the broker says the session is gone: \(text)") }
            return
        }
        let request = id.flatMap { pending.removeValue(forKey: $0) }
        guard let request else {
            logger.warning("broker error: \(text)")
            return
        }
        if case .resubscribe = request.kind { logger.error("re-subscribing after reconnection was refused: \(text)") }
        complete(request, .failure(MC0ConnectorError.refused(verb: request.kind.verb.rawValue, message: text)))
    }

    /// The broker's "CONNECT again" error (PROTOCOL.md section 4), and the wording older
    /// brokers used.
    static func saysNotConnected(_ text: String) -> Bool {
        text.lowercased().contains("not connected") || text.contains("CONNECT again")
    }
}

extension Duration {
    /// Whole nanoseconds, clamped at zero (for loop timers).
    var connectorNanoseconds: UInt64 {
        let (seconds, atto) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(max(0, atto) / 1_000_000_000)
    }
}
