import GuideSupport
import ZMTP

/// The client side of MDP/0.1 (the guide's mdcliapi): a REQ socket that sends one request at a
/// time and, when no reply comes in time, closes the socket, opens a new one and tries again.
public final class MajordomoClient {
    /// How long to wait for each reply (the guide: 2.5 s).
    public var timeout: Duration = .milliseconds(2500)
    /// How many times a request is sent before the client gives up (the guide: 3).
    public var retries = 3
    private let context: Context
    private let broker: String
    private let verbose: Bool
    private var socket: ZMTPSocket

    /// A client of the broker at `broker`, with sockets from `context`; `verbose` logs every
    /// message, as the guide's `-v`.
    public init(_ context: Context, broker: String, verbose: Bool = false) throws {
        self.context = context
        self.broker = broker
        self.verbose = verbose
        socket = try Self.connect(context, to: broker, verbose: verbose)
    }

    deinit { socket.close() }

    /// A fresh REQ socket: one that timed out is stuck waiting for its reply. No linger, so
    /// the unanswered request is dropped with the old socket.
    private static func connect(_ context: Context, to broker: String, verbose: Bool) throws -> ZMTPSocket {
        var options = SocketOptions()
        options.linger = .zero
        let socket = try context.socket(.req, options: options)
        try socket.connect(broker)
        if verbose { print("I: connecting to broker at \(broker)...") }
        return socket
    }

    /// Sends `body` to `service` and returns the reply's body, or nil when the broker stayed
    /// silent through every retry.
    public func send(service: String, _ body: [[UInt8]]) throws -> [[UInt8]]? {
        let serviceFrame = Array(service.utf8)
        let request = [MDP.clientHeader, serviceFrame] + body
        if verbose { print("I: send request to '\(service)' service:\n\(request.dump)") }
        for attempt in 1...max(1, retries) {
            try socket.send(request)
            do {
                let reply = try socket.receive(timeout: timeout)
                if verbose { print("I: received reply:\n\(reply.dump)") }
                guard reply.count >= 3, reply[0] == MDP.clientHeader, reply[1] == serviceFrame else {
                    throw MajordomoError.malformed(reply)
                }
                return Array(reply.dropFirst(2))
            } catch SocketError.timedOut {
                guard attempt < retries else { break }
                if verbose { print("W: no reply, reconnecting...") }
                socket.close()
                socket = try Self.connect(context, to: broker, verbose: verbose)
            }
        }
        if verbose { print("W: permanent error, abandoning") }
        return nil
    }
}

/// A reply that breaks MDP/0.1.
public enum MajordomoError: Error, CustomStringConvertible {
    /// The reply, which lacks the client header or the service's name.
    case malformed([[UInt8]])

    /// A line for the error output.
    public var description: String {
        switch self {
        case .malformed(let message): "malformed MDP message:\n\(message.dump)"
        }
    }
}
