@_spi(Engine) import ZMTPCore

/// Which security mechanism a socket uses: a factory that makes one mechanism per connection.
/// NULL is here; CURVE adds its constructors in Curve/CurveSecurity.swift.
public struct Security: Sendable {
    /// The mechanism name in the greeting ("NULL", "CURVE").
    public let mechanismName: String
    let makeMechanism: @Sendable (HandshakeContext) -> SecurityMechanism
    /// ZMTP 2.0 peers have no mechanism, so only NULL without authentication may serve them
    /// (libzmq 4.3's rule since CVE-2014-9721).
    let servesZMTP2: Bool

    package init(mechanismName: String, servesZMTP2: Bool = false,
                 makeMechanism: @escaping @Sendable (HandshakeContext) -> SecurityMechanism) {
        self.mechanismName = mechanismName
        self.servesZMTP2 = servesZMTP2
        self.makeMechanism = makeMechanism
    }

    /// NULL: no authentication and no encryption; the default.
    public static let null = Security(mechanismName: "NULL", servesZMTP2: true) { NullMechanism(context: $0) }
}
