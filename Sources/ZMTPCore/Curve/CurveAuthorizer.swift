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
}
