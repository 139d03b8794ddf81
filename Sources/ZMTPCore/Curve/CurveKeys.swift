import CSodium

/// What is wrong with raw or Z85 key material.
public enum CurveKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Raw key material that is not 32 bytes; the length found.
    case wrongLength(Int)
    /// Z85 text that does not decode.
    case z85(Z85Error)
    /// Z85 key text that is not 40 characters; the length found.
    case wrongTextLength(Int)

    /// What is wrong, in a sentence that names the expected size.
    public var description: String {
        switch self {
        case .wrongLength(let n): return "a CURVE key is 32 bytes, got \(n)"
        case .wrongTextLength(let n): return "expected 40 Z85 characters, got \(n)"
        case .z85(let e): return e.description
        }
    }
}

/// Decodes the 40-character Z85 form of a 32-byte key.
func decodeKeyText(_ text: String) throws(CurveKeyError) -> [UInt8] {
    guard text.count == 40 else { throw .wrongTextLength(text.count) }
    do { return try Z85.decode(text) } catch { throw .z85(error) }
}

/// A CURVE (X25519) public key. Equality is constant-time.
public struct CurvePublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes of the key.
    public let bytes: [UInt8]

    /// A public key from its 32 raw bytes; throws ``CurveKeyError/wrongLength(_:)`` for any
    /// other length.
    public init(bytes: [UInt8]) throws(CurveKeyError) {
        guard bytes.count == Sodium.keyBytes else { throw .wrongLength(bytes.count) }
        self.bytes = bytes
    }

    /// A public key from its 40-character Z85 text, as libzmq, pyzmq and `curve_keygen` print it.
    public init(z85: String) throws(CurveKeyError) {
        try self.init(bytes: decodeKeyText(z85))
    }

    /// For bytes that are 32 long by construction (derived or generated keys, wire fields).
    package init(validated bytes: [UInt8]) {
        precondition(bytes.count == Sodium.keyBytes)
        self.bytes = bytes
    }

    /// The key as 40 characters of Z85 text, the form libzmq and its tools use.
    public var z85: String {
        Z85.encodeGroups(bytes)
    }

    /// The key's Z85 text: public keys are safe to print.
    public var description: String { z85 }

    /// Whether the two keys are the same, compared in constant time.
    public static func == (a: CurvePublicKey, b: CurvePublicKey) -> Bool {
        Sodium.constantTimeEqual(a.bytes, b.bytes)
    }

    /// Hashes the key's bytes, so keys can fill a `Set` (an allow-list).
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

/// A CURVE secret key. The bytes live in storage wiped on release and are never printed.
public struct CurveSecretKey: Sendable, CustomStringConvertible {
    package let storage: SecretBytes

    /// A secret key from its 32 raw bytes, copied into storage that is wiped when released; the
    /// caller should wipe its own copy. Throws ``CurveKeyError/wrongLength(_:)`` for any other
    /// length.
    public init(bytes: [UInt8]) throws(CurveKeyError) {
        guard bytes.count == Sodium.keyBytes else { throw .wrongLength(bytes.count) }
        storage = SecretBytes(copying: bytes)
    }

    /// A secret key from its 40-character Z85 text, as a `.private` key file holds it.
    public init(z85: String) throws(CurveKeyError) {
        var raw = try decodeKeyText(z85)
        defer { Sodium.wipe(&raw) }
        storage = SecretBytes(copying: raw)
    }

    package init(storage: SecretBytes) { self.storage = storage }

    /// The secret in Z85, for writing key files. Named so it is never used by accident.
    public var z85Secret: String {
        var raw = storage.copyBytes()
        defer { Sodium.wipe(&raw) }
        return Z85.encodeGroups(raw)
    }

    /// "CurveSecretKey(<redacted>)": a secret key is never printed.
    public var description: String { "CurveSecretKey(<redacted>)" }

    /// The matching public key: crypto_scalarmult_base, as zmq_curve_public does.
    public var publicKey: CurvePublicKey {
        Sodium.ensureInitialized()
        var pk = [UInt8](repeating: 0, count: Sodium.keyBytes)
        _ = storage.withBytes { sk in
            pk.withUnsafeMutableBytes { crypto_scalarmult_base($0.bindMemory(to: UInt8.self).baseAddress!, sk) }
        }
        return CurvePublicKey(validated: pk)
    }
}

/// A long-term CURVE identity.
public struct CurveKeyPair: Sendable {
    /// The public half, given to peers.
    public let publicKey: CurvePublicKey
    /// The secret half, kept by its owner.
    public let secretKey: CurveSecretKey

    /// The pair of `secretKey` and the public key derived from it.
    public init(secretKey: CurveSecretKey) {
        self.secretKey = secretKey
        self.publicKey = secretKey.publicKey
    }

    /// A new random key pair, from libsodium (as `zmq_curve_keypair` makes one).
    public static func generate() -> CurveKeyPair {
        let (pk, sk) = Sodium.keyPair()
        return CurveKeyPair(publicKey: CurvePublicKey(validated: pk), secretKey: CurveSecretKey(storage: sk))
    }

    private init(publicKey: CurvePublicKey, secretKey: CurveSecretKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}
