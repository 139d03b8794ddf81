/// The server side of PLAIN: the authenticator checks HELLO's credentials, then WELCOME,
/// INITIATE with the client's metadata, READY with ours. A refused client gets ERROR with the
/// authenticator's status, as libzmq sends its ZAP handler's, and the connection closes.
@_spi(Engine) public final class PlainServer: ClearTextTraffic {
    private enum State { case expectHello, expectInitiate, complete, failed }

    public let name = "PLAIN"
    private let context: HandshakeContext
    private let authenticator: any Authenticator
    private var state = State.expectHello
    public private(set) var peerMetadata = Metadata()
    /// What the authenticator allowed the client as.
    public private(set) var userID: String?

    public init(context: HandshakeContext, authenticator: any Authenticator) {
        self.context = context
        self.authenticator = authenticator
    }

    public var isComplete: Bool { state == .complete }

    /// The client speaks first.
    public func start() throws -> [Command] { [] }

    public func receive(_ command: Command) throws -> [Command] {
        do {
            switch (state, command.name) {
            case (.expectHello, "HELLO"):
                try hello(PlainHello.decode(command.data))
                state = .expectInitiate
                return [Command(name: "WELCOME")]
            case (.expectInitiate, "INITIATE"):
                let metadata = try Metadata.decode(command.data)
                try context.validatePeer(metadata)
                peerMetadata = metadata
                state = .complete
                return [Command.ready(context.localMetadata)]
            default:
                throw ZMTPError.unexpectedCommand("\(command.name) during the PLAIN server handshake")
            }
        } catch {
            state = .failed
            throw error
        }
    }

    /// Credentials that are not UTF-8 are refused as wrong ones, without asking: an
    /// authenticator compares text, and a lossy decoding could make two passwords equal.
    private func hello(_ hello: PlainHello) throws {
        guard let username = String(validating: hello.username, as: UTF8.self),
              let password = String(validating: hello.password, as: UTF8.self) else {
            throw ZMTPError.peerDenied(status: AuthenticationStatus.authenticationFailure.rawValue,
                                       reason: "PLAIN user name or password is not UTF-8")
        }
        userID = try context.authenticate(authenticator, mechanism: name, credentials: .plain(username: username, password: password))
    }

    /// libzmq's PLAIN ERROR, byte for byte, so libzmq clients report the status as an
    /// authentication failure (see `Command.libzmqPlainErrorName`).
    public func refusal(for error: Error) -> [UInt8]? {
        Command.refusal(for: error).map { Command.libzmqPlainErrorName + $0.data }
    }
}
