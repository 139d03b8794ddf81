/// The NULL mechanism: each side sends READY with its metadata; the handshake is complete once
/// READY has been both sent and received. Traffic is plain ZMTP framing.
/// With an authenticator, the peer is asked about before READY is sent, as libzmq asks ZAP: a
/// refused peer gets ERROR with the status instead of READY, and the connection closes.
@_spi(Engine) public final class NullMechanism: ClearTextTraffic {
    public let name = "NULL"
    private let context: HandshakeContext
    private let authenticator: (any Authenticator)?
    private var receivedReady = false
    public private(set) var peerMetadata = Metadata()
    public private(set) var userID: String?

    public init(context: HandshakeContext, authenticator: (any Authenticator)? = nil) {
        self.context = context
        self.authenticator = authenticator
    }

    public var isComplete: Bool { receivedReady }

    public func start() throws -> [Command] {
        if let authenticator {
            userID = try context.authenticate(authenticator, mechanism: name, credentials: .none)
        }
        return [Command.ready(context.localMetadata)]
    }

    public func receive(_ command: Command) throws -> [Command] {
        switch command.name {
        case "READY" where !receivedReady:
            let metadata = try Metadata.decode(command.data)
            try context.validatePeer(metadata)
            peerMetadata = metadata
            receivedReady = true
            return []
        case "ERROR":
            throw (try? ZMTPError.fromErrorCommand(command.data)) ?? .peerError(reason: "(malformed ERROR)")
        default:
            throw ZMTPError.unexpectedCommand("\(command.name) during the NULL handshake")
        }
    }

    public func refusal(for error: Error) -> [UInt8]? { Command.refusal(for: error)?.encoded() }
}
