import CSodium

/// What is wrong with raw or Z85 key material.
public enum CurveKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongLength(Int)
    case z85(Z85Error)
    case wrongTextLength(Int)

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
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(CurveKeyError) {
        guard bytes.count == Sodium.keyBytes else { throw .wrongLength(bytes.count) }
        self.bytes = bytes
    }

    public init(z85: String) throws(CurveKeyError) {
        try self.init(bytes: decodeKeyText(z85))
    }

    /// For bytes that are 32 long by construction (derived or generated keys, wire fields).
    package init(validated bytes: [UInt8]) {
        precondition(bytes.count == Sodium.keyBytes)
        self.bytes = bytes
    }

    public var z85: String {
        Z85.encodeGroups(bytes)
    }

    public var description: String { z85 }

    public static func == (a: CurvePublicKey, b: CurvePublicKey) -> Bool {
        Sodium.constantTimeEqual(a.bytes, b.bytes)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

/// A CURVE secret key. The bytes live in storage wiped on release and are never printed.
public struct CurveSecretKey: Sendable, CustomStringConvertible {
    package let storage: SecretBytes

    public init(bytes: [UInt8]) throws(CurveKeyError) {
        guard bytes.count == Sodium.keyBytes else { throw .wrongLength(bytes.count) }
        storage = SecretBytes(copying: bytes)
    }

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
    public let publicKey: CurvePublicKey
    public let secretKey: CurveSecretKey

    public init(secretKey: CurveSecretKey) {
        self.secretKey = secretKey
        self.publicKey = secretKey.publicKey
    }

    public static func generate() -> CurveKeyPair {
        let (pk, sk) = Sodium.keyPair()
        return CurveKeyPair(publicKey: CurvePublicKey(validated: pk), secretKey: CurveSecretKey(storage: sk))
    }

    private init(publicKey: CurvePublicKey, secretKey: CurveSecretKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}
