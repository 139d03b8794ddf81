@_spi(Engine) import ZMTPCore

extension Security {
    /// PLAIN client (RFC 24): sends `username` and `password` in clear text. Use it only over
    /// loopback or ipc://, where nobody can read the wire; elsewhere use CURVE.
    /// Throws when either is longer than PLAIN's 255 bytes (of UTF-8).
    public static func plainClient(username: String, password: String) throws(PlainCredentialsError) -> Security {
        let user = Array(username.utf8), pass = Array(password.utf8)
        if user.count > 255 { throw PlainCredentialsError(field: "username", bytes: user.count) }
        if pass.count > 255 { throw PlainCredentialsError(field: "password", bytes: pass.count) }
        return Security(mechanismName: "PLAIN") { PlainClient(context: $0, username: user, password: pass) }
    }

    /// PLAIN server (RFC 24): `authenticator` checks each client's user name and password (a
    /// `PlainUsers` table, or a `CallbackAuthenticator`); its user id becomes the "User-Id" of
    /// the client's messages. Credentials travel in clear text: use it only over loopback or
    /// ipc://.
    public static func plainServer(authenticator: any Authenticator) -> Security {
        Security(mechanismName: "PLAIN") { PlainServer(context: $0, authenticator: authenticator) }
    }

    /// NULL with an authenticator: each peer is asked about (with no credentials) before READY
    /// is sent, as libzmq does when a ZAP domain is set, and a refused one gets ERROR instead.
    public static func null(authenticator: any Authenticator) -> Security {
        Security(mechanismName: "NULL") { NullMechanism(context: $0, authenticator: authenticator) }
    }
}

/// PLAIN credentials that do not fit the protocol: a field longer than 255 bytes.
public struct PlainCredentialsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// "username" or "password".
    public var field: String
    /// Its length in UTF-8 bytes.
    public var bytes: Int

    /// "PLAIN username is 300 bytes; the protocol allows at most 255".
    public var description: String { "PLAIN \(field) is \(bytes) bytes; the protocol allows at most 255" }
}
