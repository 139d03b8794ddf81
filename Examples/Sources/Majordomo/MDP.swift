/// The frames of the Majordomo Protocol, MDP/0.1 (rfc.zeromq.org/spec/7), that clients, workers
/// and the broker share.
public enum MDP {
    /// The first frame of every client request and of every reply to a client.
    public static let clientHeader = Array("MDPC01".utf8)
    /// The protocol frame of every message between a worker and the broker.
    public static let workerHeader = Array("MDPW01".utf8)
    /// Service names that start with this are answered by the broker itself (MMI).
    public static let internalPrefix = Array("mmi.".utf8)

    /// The commands between a worker and the broker, one byte each.
    public enum Command: UInt8, Sendable, CustomStringConvertible {
        case ready = 1, request, reply, heartbeat, disconnect

        /// The command's frame.
        public var frame: [UInt8] { [rawValue] }

        /// The command's name, for logs.
        public var description: String {
            switch self {
            case .ready: "READY"
            case .request: "REQUEST"
            case .reply: "REPLY"
            case .heartbeat: "HEARTBEAT"
            case .disconnect: "DISCONNECT"
            }
        }

        /// The command a frame holds, if it holds one.
        public init?(frame: [UInt8]) {
            guard frame.count == 1 else { return nil }
            self.init(rawValue: frame[0])
        }
    }
}
