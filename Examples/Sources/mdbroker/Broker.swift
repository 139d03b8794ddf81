import GuideSupport
import Majordomo
import ZMTP

/// The Majordomo broker's state: one ROUTER for clients and workers alike, the services it has
/// heard of, and the workers waiting for requests, oldest first.
final class Broker {
    /// A named service: the requests waiting for a worker, and the workers waiting for one.
    final class Service {
        let name: [UInt8]
        var requests: [[[UInt8]]] = []
        var waiting: [Worker] = []
        var workers = 0
        init(name: [UInt8]) { self.name = name }
    }

    /// A worker the broker knows, by routing id; its service is set by its READY.
    final class Worker {
        let id: [UInt8]
        var service: Service?
        var expiry = ContinuousClock.now
        init(id: [UInt8]) { self.id = id }
    }

    /// Heartbeats missed before a worker counts as gone (the guide: 3).
    static let liveness = 3

    let socket: ZMTPSocket
    let heartbeat: Duration
    let verbose: Bool
    private var services: [[UInt8]: Service] = [:]
    private var workers: [[UInt8]: Worker] = [:]
    private var waiting: [Worker] = []
    private var heartbeatAt: ContinuousClock.Instant
    private var repliesPassed = 0

    init(_ context: Context, heartbeat: Duration, verbose: Bool) throws {
        socket = try context.socket(.router)
        self.heartbeat = heartbeat
        self.verbose = verbose
        heartbeatAt = .now + heartbeat
    }

    func bind(_ endpoint: String) throws {
        try socket.bind(endpoint)
        print("I: MDP broker/0.1 is active at \(endpoint)")
    }

    /// Handles messages until it has passed on `replies` replies or the socket is closed,
    /// heartbeating idle workers and forgetting silent ones between them.
    func run(replies: Int) throws {
        while repliesPassed < replies {
            do {
                let message = try socket.receive(timeout: heartbeat)
                if verbose { print("I: received message:\n\(message.dump)") }
                route(message)
            } catch SocketError.timedOut {}
            if ContinuousClock.now > heartbeatAt {
                purge()
                for worker in waiting { send(worker, .heartbeat) }
                heartbeatAt = .now + heartbeat
            }
        }
    }

    private func route(_ message: [[UInt8]]) {
        guard message.count >= 3, message[1].isEmpty else { return invalid(message) }
        let sender = message[0], body = Array(message.dropFirst(3))
        switch message[2] {
        case MDP.clientHeader: fromClient(sender, body)
        case MDP.workerHeader: fromWorker(sender, body)
        default: invalid(message)
        }
    }

    private func invalid(_ message: [[UInt8]]) {
        print("E: invalid message:\n\(message.dump)")
    }

    // MARK: Clients

    /// A request: service name, then body. mmi.* services are answered here; the rest queue
    /// for their service's workers, wrapped in the client's envelope.
    private func fromClient(_ sender: [UInt8], _ message: [[UInt8]]) {
        guard message.count >= 2 else { return invalid(message) }
        let name = message[0], body = Array(message.dropFirst())
        if name.starts(with: MDP.internalPrefix) {
            let code: String
            if name == Array("mmi.service".utf8) {
                code = (body.last.flatMap { services[$0] }?.workers ?? 0) > 0 ? "200" : "404"
            } else {
                code = "501"
            }
            sendTo(sender, [[], MDP.clientHeader, name] + body.dropLast() + [Array(code.utf8)])
        } else {
            dispatch(service(named: name), request: [sender, []] + body)
        }
    }

    private func service(named name: [UInt8]) -> Service {
        if let service = services[name] { return service }
        let service = Service(name: name)
        services[name] = service
        if verbose { print("I: added service: \(String(decoding: name, as: UTF8.self))") }
        return service
    }

    /// Queues `request` (if any), then hands queued requests to waiting workers.
    private func dispatch(_ service: Service, request: [[UInt8]]? = nil) {
        if let request { service.requests.append(request) }
        purge()
        while !service.waiting.isEmpty && !service.requests.isEmpty {
            let worker = service.waiting.removeFirst()
            waiting.removeAll { $0 === worker }
            send(worker, .request, service.requests.removeFirst())
        }
    }

    // MARK: Workers

    private func fromWorker(_ sender: [UInt8], _ message: [[UInt8]]) {
        guard let command = message.first.flatMap(MDP.Command.init(frame:)) else { return invalid(message) }
        let known = workers[sender]
        let worker = known ?? register(sender)
        switch command {
        case .ready where known == nil && message.count >= 2 && !message[1].starts(with: MDP.internalPrefix):
            let service = service(named: message[1])
            worker.service = service
            service.workers += 1
            wait(worker)
        case .reply where known != nil && message.count >= 3 && message[2].isEmpty:
            guard let service = worker.service else { return delete(worker, disconnect: true) }
            sendTo(message[1], [[], MDP.clientHeader, service.name] + message.dropFirst(3))
            repliesPassed += 1
            wait(worker)
        case .heartbeat where known != nil:
            worker.expiry = .now + heartbeat * Self.liveness
        case .disconnect:
            delete(worker, disconnect: false)
        default:
            // Out of turn (anything before READY, a second READY) or malformed: the worker
            // must start over.
            delete(worker, disconnect: true)
        }
    }

    private func register(_ id: [UInt8]) -> Worker {
        let worker = Worker(id: id)
        workers[id] = worker
        if verbose { print("I: registering new worker: \(id.hex)") }
        return worker
    }

    /// The worker is idle: it goes to the back of the queues and takes a waiting request.
    private func wait(_ worker: Worker) {
        guard let service = worker.service else { return }
        waiting.append(worker)
        service.waiting.append(worker)
        worker.expiry = .now + heartbeat * Self.liveness
        dispatch(service)
    }

    private func delete(_ worker: Worker, disconnect: Bool) {
        if disconnect { send(worker, .disconnect) }
        if let service = worker.service {
            service.waiting.removeAll { $0 === worker }
            service.workers -= 1
        }
        waiting.removeAll { $0 === worker }
        workers[worker.id] = nil
    }

    /// Forgets the idle workers whose heartbeats stopped: oldest first, up to the first live one.
    private func purge() {
        let now = ContinuousClock.now
        while let worker = waiting.first, now >= worker.expiry {
            if verbose { print("I: deleting expired worker: \(worker.id.hex)") }
            delete(worker, disconnect: false)
        }
    }

    private func send(_ worker: Worker, _ command: MDP.Command, _ frames: [[UInt8]] = []) {
        if verbose { print("I: sending \(command) to worker \(worker.id.hex)") }
        sendTo(worker.id, [[], MDP.workerHeader, command.frame] + frames)
    }

    /// A ROUTER send never blocks; a peer that is gone loses the message, as in the guide.
    private func sendTo(_ peer: [UInt8], _ frames: [[UInt8]]) {
        try? socket.send(to: peer, frames)
    }
}
