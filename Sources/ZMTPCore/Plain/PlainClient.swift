/// The client side of PLAIN: HELLO with the credentials, INITIATE with our metadata on WELCOME,
/// done on READY. A refusal arrives as ERROR with the server's ZAP status.
@_spi(Engine) public final class PlainClient: ClearTextTraffic {
    private enum State { case idle, expectWelcome, expectReady, complete, failed }

    public let name = "PLAIN"
    private let context: HandshakeContext
    private let hello: PlainHello
    private var state = State.idle
    public private(set) var peerMetadata = Metadata()
    /// A client does not authenticate its server.
    public var userID: String? { nil }

    /// `username` and `password` are at most 255 bytes each (`Security.plainClient` checks).
    public init(context: HandshakeContext, username: [UInt8], password: [UInt8]) {
        self.context = context
        hello = PlainHello(username: username, password: password)
    }

    public var isComplete: Bool { state == .complete }

    public func start() throws -> [Command] {
        guard state == .idle else { throw ZMTPError.unexpectedCommand("PLAIN client started twice") }
        state = .expectWelcome
        return [Command(name: "HELLO", data: hello.encoded())]
    }

    public func receive(_ command: Command) throws -> [Command] {
        do {
            switch (state, command.name) {
            case (.expectWelcome, "ERROR"), (.expectReady, "ERROR"):
                throw try ZMTPError.fromErrorCommand(command.data)
            case (.expectWelcome, "WELCOME"):
                guard command.data.isEmpty else { throw ZMTPError.malformedCommand("PLAIN WELCOME carries \(command.data.count) bytes of data") }
                state = .expectReady
                return [Command(name: "INITIATE", data: context.localMetadata.encoded())]
            case (.expectReady, "READY"):
                let metadata = try Metadata.decode(command.data)
                try context.validatePeer(metadata)
                peerMetadata = metadata
                state = .complete
                return []
            default:
                throw ZMTPError.unexpectedCommand("\(command.name) during the PLAIN client handshake")
            }
        } catch {
            state = .failed
            throw error
        }
    }

    public func refusal(for error: Error) -> [UInt8]? { nil }  // a client never sends ERROR
}
