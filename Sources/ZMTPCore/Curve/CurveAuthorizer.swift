import Synchronization

/// Decides which client long-term keys a CURVE server accepts, at the point where libzmq would
/// ask ZAP. Thread-safe: the allow-list can be replaced while servers run (e.g. on SIGHUP), and
/// each handshake sees the list current when its INITIATE arrives.
public final class CurveAuthorizer: Sendable {
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

    public func isAuthorized(_ key: CurvePublicKey) -> Bool {
        let listed = allowed.withLock { set in set.map { $0.contains(key) } ?? true }
        return listed && (policy?(key) ?? true)
    }
}
