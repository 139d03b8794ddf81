import Synchronization

/// An authenticator that decides which client long-term keys a CURVE server accepts.
/// Thread-safe: the allow-list can be replaced while servers run (e.g. on SIGHUP), and each
/// handshake sees the list current when its INITIATE arrives. An allowed client's user id is
/// its key in Z85; a peer without a key (NULL, PLAIN) is refused.
public final class CurveAuthorizer: Authenticator {
    private let allowed: Mutex<Set<CurvePublicKey>?>
    private let policy: (@Sendable (CurvePublicKey) -> Bool)?

    /// A key is authorized when it is in `allowed` (nil: any key) and `policy` (if any) agrees.
    public init(allowed: Set<CurvePublicKey>? = nil, policy: (@Sendable (CurvePublicKey) -> Bool)? = nil) {
        self.allowed = Mutex(allowed)
        self.policy = policy
    }

    /// Replaces the allow-list for the handshakes that follow; nil accepts any key.
    public func replaceAllowed(_ keys: Set<CurvePublicKey>?) {
        allowed.withLock { $0 = keys }
    }

    /// How many keys the allow-list holds now (nil: any key is accepted).
    public var allowedCount: Int? {
        allowed.withLock { $0?.count }
    }

    /// Whether `key` is in the allow-list and the policy agrees.
    public func isAuthorized(_ key: CurvePublicKey) -> Bool {
        let listed = allowed.withLock { set in set.map { $0.contains(key) } ?? true }
        return listed && (policy?(key) ?? true)
    }

    public func authenticate(_ request: AuthenticationRequest) -> AuthenticationDecision {
        guard case .curve(let key) = request.credentials else {
            return .deny(reason: "\(request.mechanism) peer has no CURVE key to check against the allow-list")
        }
        return isAuthorized(key) ? .allow(userID: key.z85) : .deny(reason: "client key \(key.z85) is not authorized")
    }

    /// Largest allow-list file accepted (about 400 000 keys).
    static let keyListLimit = 16 << 20

    /// Reads an allow-list: one Z85 public key per line, optionally followed by spaces and a
    /// `#` comment; blank lines and lines starting with `#` are ignored. ('#' and '%' cannot
    /// start a key: their group would exceed 32 bits, so a comment is never mistaken for one.)
    public static func loadKeyList(path: String) throws(CurveKeyFileError) -> Set<CurvePublicKey> {
        let label = "authorized keys"
        let content = try CurveKeyFile.readFile(path: path, label: label, limit: keyListLimit)
        var keys = Set<CurvePublicKey>()
        for (index, rawLine) in content.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            let line = rawLine.drop(while: isSpace)
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            let token = line.prefix(while: { !isSpace($0) })
            let rest = line.dropFirst(token.count).drop(while: isSpace)
            guard rest.isEmpty || rest.first == UInt8(ascii: "#") else {
                throw CurveKeyFileError(label: label, path: path, line: index + 1,
                                        problem: "expected one key per line, found more text after the key")
            }
            let raw = try CurveKeyFile.parseKeyText(Array(token), path: path, label: label, line: index + 1)
            keys.insert(CurvePublicKey(validated: raw))
        }
        return keys
    }
}
