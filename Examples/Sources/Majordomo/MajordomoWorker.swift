import GuideSupport
import ZMTP

/// The worker side of MDP/0.1 (the guide's mdwrkapi): a DEALER that registers a service with
/// the broker, heartbeats it while idle, and reconnects when the broker falls silent.
public final class MajordomoWorker {
    /// How often to heartbeat the broker, and how long each wait for it lasts (the guide: 2.5 s).
    public var heartbeat: Duration = .milliseconds(2500)
    /// How long to wait before reconnecting to a silent broker (the guide: 2.5 s).
    public var reconnect: Duration = .milliseconds(2500)
    /// Waits without a word from the broker before it counts as gone.
    public static let liveness = 3

    private let context: Context
    private let broker: String
    private let service: String
    private let verbose: Bool
    private var socket: ZMTPSocket
    private var liveness = MajordomoWorker.liveness
    private var heartbeatAt = ContinuousClock.now
    /// The client envelope of the request being served: the reply goes back with it.
    private var replyTo: [UInt8]?

    /// A worker for `service` at the broker at `broker`, with sockets from `context`;
    /// `verbose` logs every message.
    public init(_ context: Context, broker: String, service: String, verbose: Bool = false) throws {
        self.context = context
        self.broker = broker
        self.service = service
        self.verbose = verbose
        socket = try Self.socket(context, to: broker, verbose: verbose)
        try register()
    }

    deinit { socket.close() }

    private static func socket(_ context: Context, to broker: String, verbose: Bool) throws -> ZMTPSocket {
        let socket = try context.socket(.dealer)
        try socket.connect(broker)
        if verbose { print("I: connecting to broker at \(broker)...") }
        return socket
    }

    /// Tells the broker which service this worker offers; the message waits in the socket
    /// until the connection is up.
    private func register() throws {
        try send(.ready, [Array(service.utf8)])
        liveness = Self.liveness
        heartbeatAt = .now + heartbeat
    }

    /// A fresh socket and a new READY: the broker forgot this worker, or went away. What the
    /// old socket still holds for the broker is dropped with it.
    private func reconnectToBroker() throws {
        try socket.disconnect(broker)
        socket.close()
        socket = try Self.socket(context, to: broker, verbose: verbose)
        try register()
    }

    /// Never waits: the socket queues while the broker is away, and the heartbeats, not a
    /// blocked send, are what notice that it is.
    private func send(_ command: MDP.Command, _ frames: [[UInt8]] = []) throws {
        let message = [[], MDP.workerHeader, command.frame] + frames
        if verbose { print("I: sending \(command) to broker\n\(message.dump)") }
        try socket.send(message, timeout: .zero)
    }

    /// Sends `reply` (if any) to the client of the last request, then waits for the next
    /// request and returns its body. Heartbeats, reconnects and DISCONNECTs are handled here.
    public func receive(reply: [[UInt8]]?) throws -> [[UInt8]] {
        try send(reply: reply)
        while true {
            do {
                let message = try socket.receive(timeout: heartbeat)
                if verbose { print("I: received message from broker:\n\(message.dump)") }
                liveness = Self.liveness
                if let request = try handle(message) { return request }
            } catch SocketError.timedOut {
                liveness -= 1
                if liveness == 0 {
                    if verbose { print("W: disconnected from broker - retrying...") }
                    try context.sleep(for: reconnect)
                    try reconnectToBroker()
                }
            }
            if ContinuousClock.now > heartbeatAt {
                try send(.heartbeat)
                heartbeatAt = .now + heartbeat
            }
        }
    }

    /// Sends `reply` (if any) to the client of the last request, tells the broker this worker
    /// leaves (DISCONNECT), and closes the socket once both have left (bounded by its linger).
    public func leave(reply: [[UInt8]]?) throws {
        try send(reply: reply)
        try send(.disconnect)
        socket.close()
    }

    private func send(reply: [[UInt8]]?) throws {
        if let reply, let replyTo {
            try send(.reply, [replyTo, []] + reply)
            self.replyTo = nil
        }
    }

    /// The body of a REQUEST, after taking its client envelope; nil for any other command.
    private func handle(_ message: [[UInt8]]) throws -> [[UInt8]]? {
        if message.count >= 3, message[0].isEmpty, message[1] == MDP.workerHeader,
           let command = MDP.Command(frame: message[2]) {
            switch command {
            case .request where message.count >= 5 && message[4].isEmpty:
                replyTo = message[3]
                return Array(message.dropFirst(5))
            case .heartbeat:
                return nil
            case .disconnect:
                try reconnectToBroker()
                return nil
            default:
                break
            }
        }
        print("E: invalid input message\n\(message.dump)")
        return nil
    }
}
