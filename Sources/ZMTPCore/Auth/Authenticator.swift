/// Decides whether a peer may complete its handshake, at the point where libzmq asks a ZAP
/// handler (RFC 27): one protocol for NULL, PLAIN and CURVE servers.
///
/// `authenticate` runs on the socket's event-loop thread, inside the handshake, and its answer
/// is used at once: it **must not block** (no file or network I/O, no waiting on locks held for
/// long). Everything it needs should already be in memory; replace that state from another
/// thread when it changes (as `CurveAuthorizer.replaceAllowed` does on SIGHUP).
public protocol Authenticator: Sendable {
    /// The decision for one handshake.
    func authenticate(_ request: AuthenticationRequest) -> AuthenticationDecision
}

/// What an authenticator is asked: the fields of a ZAP request.
public struct AuthenticationRequest: Sendable, Equatable {
    /// The socket's authentication domain (`SocketOptions.authenticationDomain`, libzmq's
    /// ZMQ_ZAP_DOMAIN); empty when none was set.
    public var domain: String
    /// The peer's numeric IP address ("127.0.0.1", "::1"), without the port; empty when the
    /// transport has none.
    public var peerAddress: String
    /// The routing id this socket announces (ZMQ_ROUTING_ID): what libzmq puts in ZAP's
    /// identity frame. The peer's own identity is not known yet when the request is made.
    public var routingID: [UInt8]
    /// The security mechanism: "NULL", "PLAIN" or "CURVE".
    public var mechanism: String
    /// What the peer proved or claimed.
    public var credentials: Credentials

    /// A request with the given fields.
    public init(domain: String = "", peerAddress: String = "", routingID: [UInt8] = [], mechanism: String,
                credentials: Credentials) {
        self.domain = domain
        self.peerAddress = peerAddress
        self.routingID = routingID
        self.mechanism = mechanism
        self.credentials = credentials
    }
}

/// A peer's credentials, by mechanism.
public enum Credentials: Sendable, Equatable {
    /// NULL: nothing.
    case none
    /// PLAIN: the user name and password from the client's HELLO (each at most 255 bytes of
    /// UTF-8; a HELLO whose fields are not UTF-8 is refused before any authenticator is asked).
    case plain(username: String, password: String)
    /// CURVE: the client's long-term public key, proven by its vouch.
    case curve(CurvePublicKey)
}

/// An authenticator's answer.
public enum AuthenticationDecision: Sendable, Equatable {
    /// The peer may proceed; `userID` becomes the "User-Id" property of its messages.
    case allow(userID: String)
    /// The peer is refused: the connection is closed, after an ERROR carrying `status` (none for
    /// `.temporaryFailure`, as libzmq does). `reason` is for the server's own log and events;
    /// it is never sent.
    case deny(reason: String, status: AuthenticationStatus = .authenticationFailure)
}

/// ZAP's failure status codes, which libzmq sends as the ERROR reason.
public enum AuthenticationStatus: Int, Sendable, Equatable {
    /// 300: try again later; libzmq closes without an ERROR.
    case temporaryFailure = 300
    /// 400: the credentials (or the address) are refused.
    case authenticationFailure = 400
    /// 500: the authenticator itself failed.
    case internalError = 500
}

/// An authenticator made of a closure, for a policy that needs no type of its own.
public struct CallbackAuthenticator: Authenticator {
    private let body: @Sendable (AuthenticationRequest) -> AuthenticationDecision

    /// `body` runs on the event-loop thread for every handshake: it must not block.
    public init(_ body: @escaping @Sendable (AuthenticationRequest) -> AuthenticationDecision) {
        self.body = body
    }

    public func authenticate(_ request: AuthenticationRequest) -> AuthenticationDecision { body(request) }
}
