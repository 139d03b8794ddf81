/// The client side of CURVE: HELLO, then INITIATE on WELCOME, done on READY.
/// Needs the server's long-term public key in advance; a wrong one shows as an unopenable WELCOME.
@_spi(Engine) public final class CurveClient: CurveTrafficMechanism {
    private enum State { case idle, expectWelcome, expectReady, complete, failed }

    public let name = "CURVE"
    private let context: HandshakeContext
    private let serverKey: CurvePublicKey
    private let keyPair: CurveKeyPair
    private var state = State.idle

    /// Our transient pair (C', c'), made in start(); c' is dropped, and wiped, once the shared
    /// key exists.
    private var transientPublic: [UInt8] = []
    private var transientSecret: SecretBytes?
    /// Precomputed key of (S, c'): HELLO's signature box and WELCOME both use this pair, so one
    /// X25519 operation serves both (libzmq computes it twice).
    private var helloKey: SecretBytes?
    private var sharedKey: SecretBytes?
    /// HELLO = 1, INITIATE = 2, then MESSAGEs.
    private var sendNonce: UInt64 = 1
    /// Read per frame on the connection's thread: no dynamic exclusivity checks.
    @exclusivity(unchecked) public private(set) var traffic: CurveTraffic?
    public private(set) var peerMetadata = Metadata()
    /// A client does not authenticate its server.
    public var userID: String? { nil }

    public init(context: HandshakeContext, serverKey: CurvePublicKey, keyPair: CurveKeyPair) {
        self.context = context
        self.serverKey = serverKey
        self.keyPair = keyPair
    }

    public var isComplete: Bool { state == .complete }

    /// Makes (C', c') here rather than at init, which runs before our greeting is sent: the
    /// greeting then leaves at once, and the server makes its transient pair (in its start())
    /// while we make ours, instead of after.
    public func start() throws -> [Command] {
        guard state == .idle else { throw ZMTPError.unexpectedCommand("CURVE client started twice") }
        let transient = Sodium.keyPair()
        transientPublic = transient.publicKey
        transientSecret = transient.secretKey
        let cs = transient.secretKey
        var data: [UInt8] = [1, 0]
        data.append(contentsOf: repeatElement(0, count: CurveWire.helloPaddingSize))
        data.append(contentsOf: transientPublic)
        let suffix = nextNonce()
        data.append(contentsOf: suffix)
        guard let key = Sodium.sharedKey(publicKey: serverKey.bytes, secretKey: cs) else {
            throw ZMTPError.handshakeFailed("the server public key is not a usable curve point")
        }
        helloKey = key
        let signature = [UInt8](repeating: 0, count: CurveWire.signatureSize)
        data.append(contentsOf: Sodium.seal(signature, nonce: Sodium.nonce(CurveWire.helloPrefix, suffix), sharedKey: key))
        state = .expectWelcome
        return [Command(name: "HELLO", data: data)]
    }

    public func receive(_ command: Command) throws -> [Command] {
        do {
            if command.name == "ERROR", state == .expectWelcome || state == .expectReady {
                throw try ZMTPError.fromErrorCommand(command.data)
            }
            switch (state, command.name) {
            case (.expectWelcome, "WELCOME"): return [try welcome(command.data)]
            case (.expectReady, "READY"): try ready(command.data); return []
            default: throw ZMTPError.unexpectedCommand("\(command.name) while the CURVE client \(stateText)")
            }
        } catch {
            state = .failed
            throw error
        }
    }

    private var stateText: String {
        switch state {
        case .idle: return "has not sent HELLO"
        case .expectWelcome: return "expects WELCOME"
        case .expectReady: return "expects READY"
        case .complete: return "has completed its handshake"
        case .failed: return "has failed its handshake"
        }
    }

    private func nextNonce() -> [UInt8] {
        defer { sendNonce += 1 }
        return CurveWire.shortNonce(sendNonce)
    }

    /// WELCOME = long nonce(16) | box[S' + cookie](C', s). Answers with INITIATE.
    private func welcome(_ data: [UInt8]) throws -> Command {
        guard data.count == CurveWire.welcomeDataSize else {
            throw ZMTPError.malformedCommand("CURVE WELCOME must be 168 bytes, got \(data.count + 8)")
        }
        guard let cs = transientSecret, let key = helloKey,
              let plain = Sodium.open(data[16...], nonce: Sodium.nonce(CurveWire.welcomePrefix, data[0..<16]), sharedKey: key)
        else { throw ZMTPError.handshakeFailed("server key mismatch or corrupted WELCOME") }
        helloKey = nil
        let serverTransient = Array(plain[0..<32])
        let cookie = Array(plain[32..<128])
        guard let shared = Sodium.sharedKey(publicKey: serverTransient, secretKey: cs) else {
            throw ZMTPError.handshakeFailed("server transient key is not a usable curve point")
        }
        sharedKey = shared
        transientSecret = nil

        // The vouch proves that the owner of C (long-term) speaks for C' to this server.
        let vouchSuffix = Sodium.randomBytes(16)
        let vouch = Sodium.seal(transientPublic + serverKey.bytes, nonce: Sodium.nonce(CurveWire.vouchPrefix, vouchSuffix),
                                to: serverTransient, from: keyPair.secretKey.storage)
        var inner = keyPair.publicKey.bytes + vouchSuffix + vouch
        context.localMetadata.encode(into: &inner)
        let suffix = nextNonce()
        var out = cookie + suffix
        out.append(contentsOf: Sodium.seal(inner, nonce: Sodium.nonce(CurveWire.initiatePrefix, suffix), sharedKey: shared))
        state = .expectReady
        return Command(name: "INITIATE", data: out)
    }

    /// READY = short nonce(8) | box[metadata](S', c').
    private func ready(_ data: [UInt8]) throws {
        guard data.count >= CurveWire.readyMinimumDataSize else {
            throw ZMTPError.malformedCommand("CURVE READY must be at least 30 bytes, got \(data.count + 6)")
        }
        guard let shared = sharedKey,
              let plain = Sodium.open(data[8...], nonce: Sodium.nonce(CurveWire.readyPrefix, data[0..<8]), sharedKey: shared)
        else { throw ZMTPError.handshakeFailed("READY box does not open: corrupted or forged") }
        let metadata = try Metadata.decode(plain)
        try context.validatePeer(metadata)
        peerMetadata = metadata
        traffic = CurveTraffic(sharedKey: shared, sendPrefix: CurveWire.clientMessagePrefix,
                               receivePrefix: CurveWire.serverMessagePrefix,
                               sendNonce: sendNonce, lastReceivedNonce: data.readBE(at: 0, count: 8))
        state = .complete
    }

    public func refusal(for error: Error) -> [UInt8]? { nil }  // a client never sends ERROR
}
