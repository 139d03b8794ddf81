import ZMTP

/// How the broker's ROUTER authenticates clients.
public enum BrokerSecurity: Sendable {
    /// No encryption, no authentication (ZMTP NULL): for tests and demos only.
    case null
    /// CURVE server with the broker's long-term secret key. With an authorizer, only the client
    /// keys it allows complete the handshake; its list can be replaced while the broker runs.
    case curve(secretKey: CurveSecretKey, authorizer: CurveAuthorizer?)

    var socketSecurity: Security {
        switch self {
        case .null: return .null
        case .curve(let secretKey, let authorizer): return .curveServer(secretKey: secretKey, authenticator: authorizer)
        }
    }

    /// The public key clients must be given (nil without CURVE).
    public var publicKey: CurvePublicKey? {
        if case .curve(let secretKey, _) = self { return secretKey.publicKey }
        return nil
    }

    var authorizer: CurveAuthorizer? {
        if case .curve(_, let authorizer) = self { return authorizer }
        return nil
    }
}

/// Why the broker could not start.
public enum BrokerDriverError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The listen endpoint text is not a tcp:// endpoint we can bind.
    case badEndpoint(endpoint: String, reason: String)
    /// bind/listen failed (address in use, not a local address, no permission...).
    case cannotListen(endpoint: String, reason: String)
    /// The socket or its event loop could not be created (out of descriptors or threads).
    case cannotStart(reason: String)

    public var description: String {
        switch self {
        case .badEndpoint(let endpoint, let reason):
            return "cannot listen on '\(endpoint)': \(reason)"
        case .cannotListen(let endpoint, let reason):
            return "cannot listen on \(endpoint): \(reason) (is another broker running there? choose another --bind/--port)"
        case .cannotStart(let reason):
            return "cannot start the broker: \(reason)"
        }
    }
}
