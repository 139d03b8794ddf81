@_spi(Engine) import ZMTPCore

/// Which security mechanism a socket uses: a factory that makes one mechanism per connection.
/// NULL is here; CURVE adds its constructors in Curve/CurveSecurity.swift.
public struct Security: Sendable {
    /// The mechanism name in the greeting ("NULL", "CURVE").
    public let mechanismName: String
    let makeMechanism: @Sendable (HandshakeContext) -> SecurityMechanism

    package init(mechanismName: String, makeMechanism: @escaping @Sendable (HandshakeContext) -> SecurityMechanism) {
        self.mechanismName = mechanismName
        self.makeMechanism = makeMechanism
    }

    public static let null = Security(mechanismName: "NULL") { NullMechanism(context: $0) }
}
