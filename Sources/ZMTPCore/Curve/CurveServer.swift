import Logging

/// The server side of CURVE: WELCOME on HELLO, READY on INITIATE once the vouch is checked and
/// the authenticator (if any) allows the client's long-term key.
///
/// Cookie key K: a fresh random K per connection, as libzmq does, rather than a server-wide key
/// rotated every minute. The cookie exists so a server *could* forget a connection between
/// WELCOME and INITIATE; over TCP this mechanism keeps the connection's state anyway, so a shared
/// rotating K would add a clock and cross-connection state for nothing, and a per-connection K
/// means a cookie can never be replayed on another connection. K is wiped as soon as INITIATE is
/// checked.
@_spi(Engine) public final class CurveServer: CurveTrafficMechanism {
    private enum State { case expectHello, expectInitiate, complete, failed }

    public let name = "CURVE"
    private let context: HandshakeContext
    private let secretKey: CurveSecretKey
    private let publicKey: CurvePublicKey
    private let authenticator: (any Authenticator)?
    private let logger: Logger?
    private var state = State.expectHello

    /// The client's long-term key, once its vouch has been verified (also when then refused).
    public private(set) var clientKey: CurvePublicKey?
    public private(set) var peerMetadata = Metadata()
    /// The authenticator's user id; without an authenticator, the client key in Z85 (what
    /// libzmq's usual ZAP handler, pyzmq's zmq.auth, answers for CURVE).
    public private(set) var userID: String?

    private var clientTransient: [UInt8] = []
    private var transientPublic: [UInt8] = []
    /// s' and K live only between start() (or HELLO) and INITIATE.
    private var transientSecret: SecretBytes?
    private var cookieKey: SecretBytes?
    /// READY = 1, then MESSAGEs.
    private var sendNonce: UInt64 = 1
    /// Read per frame on the connection's thread: no dynamic exclusivity checks.
    @exclusivity(unchecked) public private(set) var traffic: CurveTraffic?

    public convenience init(context: HandshakeContext, secretKey: CurveSecretKey, authenticator: (any Authenticator)? = nil, logger: Logger? = nil) {
        self.init(context: context, secretKey: secretKey, publicKey: secretKey.publicKey, authenticator: authenticator, logger: logger)
    }

    /// With the public key of `secretKey` already derived: deriving it is an X25519 operation,
    /// which a listener does once rather than for every connection.
    package init(context: HandshakeContext, secretKey: CurveSecretKey, publicKey: CurvePublicKey, authenticator: (any Authenticator)?, logger: Logger?) {
        self.context = context
        self.secretKey = secretKey
        self.publicKey = publicKey
        self.authenticator = authenticator
        self.logger = logger
    }

    public var isComplete: Bool { state == .complete }

    /// The client speaks first. Both peers run start() when the greetings cross, so the
    /// transient pair and cookie key made here are ready while the client still makes its HELLO,
    /// and HELLO -> WELCOME is one X25519 operation shorter.
    public func start() throws -> [Command] {
        if state == .expectHello && transientSecret == nil { makeTransientKeys() }
        return []
    }

    /// Makes s', S' and K; returns s' and K.
    @discardableResult
    private func makeTransientKeys() -> (SecretBytes, SecretBytes) {
        let transient = Sodium.keyPair()
        let k = SecretBytes.random(count: Sodium.keyBytes)
        transientPublic = transient.publicKey
        transientSecret = transient.secretKey
        cookieKey = k
        return (transient.secretKey, k)
    }

    public func receive(_ command: Command) throws -> [Command] {
        do {
            switch (state, command.name) {
            case (.expectHello, "HELLO"): return [try hello(command.data)]
            case (.expectInitiate, "INITIATE"): return [try initiate(command.data)]
            default: throw ZMTPError.unexpectedCommand("\(command.name) while the CURVE server \(stateText)")
            }
        } catch {
            state = .failed
            transientSecret = nil
            cookieKey = nil
            throw error
        }
    }

    private var stateText: String {
        switch state {
        case .expectHello: return "expects HELLO"
        case .expectInitiate: return "expects INITIATE"
        case .complete: return "has completed its handshake"
        case .failed: return "has failed its handshake"
        }
    }

    /// HELLO = version(2) | zeros(72) | C'(32) | short nonce(8) | box[64 zeros](C', s). Answers WELCOME.
    private func hello(_ data: [UInt8]) throws -> Command {
        guard data.count == CurveWire.helloDataSize else {
            throw ZMTPError.malformedCommand("CURVE HELLO must be 200 bytes, got \(data.count + 6)")
        }
        guard data[0] == 1, data[1] == 0 else {
            throw ZMTPError.handshakeFailed("CURVE version \(data[0]).\(data[1]) is not supported (only 1.0)")
        }
        let cPrime = Array(data[CurveWire.helloTransientKeyOffset..<CurveWire.helloNonceOffset])
        let suffix = data[CurveWire.helloNonceOffset..<CurveWire.helloBoxOffset]
        // (C', s) opens HELLO and seals WELCOME: one precomputed key for both (libzmq computes it twice).
        guard let helloKey = Sodium.sharedKey(publicKey: cPrime, secretKey: secretKey.storage),
              let signature = Sodium.open(data[CurveWire.helloBoxOffset...], nonce: Sodium.nonce(CurveWire.helloPrefix, suffix),
                                          sharedKey: helloKey),
              Sodium.isZero(signature)
        else {
            throw ZMTPError.handshakeFailed("HELLO signature box does not open: the client uses another server public key, or HELLO is corrupted")
        }
        clientTransient = cPrime
        // Made in start(), unless the caller skipped it (as the fuzz harnesses do).
        let sPrime: SecretBytes, k: SecretBytes
        if let s = transientSecret, let key = cookieKey { (sPrime, k) = (s, key) } else { (sPrime, k) = makeTransientKeys() }

        // cookie = nonce(16) | secretbox[C' + s'](K)
        let cookieSuffix = Sodium.randomBytes(16)
        var cookiePlain = cPrime + sPrime.copyBytes()
        defer { Sodium.wipe(&cookiePlain) }
        let cookie = cookieSuffix + Sodium.secretSeal(cookiePlain, nonce: Sodium.nonce(CurveWire.cookiePrefix, cookieSuffix), key: k)

        let welcomeSuffix = Sodium.randomBytes(16)
        let box = Sodium.seal(transientPublic + cookie, nonce: Sodium.nonce(CurveWire.welcomePrefix, welcomeSuffix),
                              sharedKey: helloKey)
        state = .expectInitiate
        return Command(name: "WELCOME", data: welcomeSuffix + box)
    }

    /// INITIATE = cookie(96) | short nonce(8) | box[C + vouch nonce(16) + vouch(80) + metadata](C', s').
    private func initiate(_ data: [UInt8]) throws -> Command {
        guard data.count >= CurveWire.initiateMinimumDataSize else {
            throw ZMTPError.malformedCommand("CURVE INITIATE must be at least 257 bytes, got \(data.count + 9)")
        }
        guard let k = cookieKey, let sPrime = transientSecret else {
            throw ZMTPError.handshakeFailed("INITIATE without a pending WELCOME")
        }
        // The cookie must be ours and for this connection: C' from HELLO and our s'.
        guard var cookiePlain = Sodium.secretOpen(data[16..<CurveWire.cookieSize], nonce: Sodium.nonce(CurveWire.cookiePrefix, data[0..<16]), key: k)
        else { throw ZMTPError.handshakeFailed("INITIATE cookie does not open: altered or from another connection") }
        defer { Sodium.wipe(&cookiePlain) }
        let cookieMatches = sPrime.withBytes { sp in
            Sodium.constantTimeEqual(cookiePlain[32..<64], UnsafeBufferPointer(start: sp, count: Sodium.keyBytes))
        }
        guard Sodium.constantTimeEqual(cookiePlain[0..<32], clientTransient), cookieMatches else {
            throw ZMTPError.handshakeFailed("INITIATE cookie does not match this connection's HELLO")
        }
        cookieKey = nil

        guard let shared = Sodium.sharedKey(publicKey: clientTransient, secretKey: sPrime) else {
            throw ZMTPError.handshakeFailed("client transient key is not a usable curve point")
        }
        let nonceOffset = CurveWire.cookieSize
        guard let plain = Sodium.open(data[(nonceOffset + 8)...], nonce: Sodium.nonce(CurveWire.initiatePrefix, data[nonceOffset..<(nonceOffset + 8)]),
                                      sharedKey: shared)
        else { throw ZMTPError.handshakeFailed("INITIATE box does not open: corrupted or forged") }

        // vouch = box[C' + S](C, s'): the long-term key C speaks for the transient C'.
        let longTerm = Array(plain[0..<32])
        guard let vouch = Sodium.open(plain[48..<128], nonce: Sodium.nonce(CurveWire.vouchPrefix, plain[32..<48]),
                                      from: longTerm, to: sPrime)
        else { throw ZMTPError.handshakeFailed("INITIATE vouch does not open under the client's long-term key") }
        // libzmq checks only C'; checking S too refuses a vouch made for another server.
        guard Sodium.constantTimeEqual(vouch[0..<32], clientTransient), Sodium.constantTimeEqual(vouch[32..<64], publicKey.bytes) else {
            throw ZMTPError.handshakeFailed("INITIATE vouch names another transient key or another server")
        }
        let client = CurvePublicKey(validated: longTerm)
        clientKey = client
        if let authenticator {
            do {
                userID = try context.authenticate(authenticator, mechanism: name, credentials: .curve(client))
            } catch {
                logger?.debug("CURVE client refused by the authenticator", metadata: ["client_key": "\(client.z85)"])
                throw error
            }
        } else {
            userID = client.z85
        }

        let metadata = try Metadata.decode(plain[128...])
        try context.validatePeer(metadata)
        peerMetadata = metadata
        transientSecret = nil

        let readyNonce = CurveWire.shortNonce(sendNonce)
        sendNonce += 1
        let ready = readyNonce + Sodium.seal(context.localMetadata.encoded(), nonce: Sodium.nonce(CurveWire.readyPrefix, readyNonce), sharedKey: shared)
        traffic = CurveTraffic(sharedKey: shared, sendPrefix: CurveWire.serverMessagePrefix,
                               receivePrefix: CurveWire.clientMessagePrefix,
                               sendNonce: sendNonce, lastReceivedNonce: data.readBE(at: nonceOffset, count: 8))
        state = .complete
        return Command(name: "READY", data: ready)
    }

    /// Only a client the authenticator refused is told, with ZAP's status as libzmq sends it.
    public func refusal(for error: Error) -> [UInt8]? { Command.refusal(for: error)?.encoded() }
}
