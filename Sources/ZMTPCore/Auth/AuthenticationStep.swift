/// The ZAP step shared by the server mechanisms: ask the authenticator, and tell a refused
/// peer what libzmq tells it.
extension HandshakeContext {
    /// Asks `authenticator` about a peer with `credentials`; returns the user id it allowed,
    /// or throws `ZMTPError.peerDenied`.
    func authenticate(_ authenticator: any Authenticator, mechanism: String, credentials: Credentials) throws -> String {
        let request = AuthenticationRequest(domain: authenticationDomain, peerAddress: peerAddress,
                                            routingID: localMetadata.identity ?? [], mechanism: mechanism,
                                            credentials: credentials)
        switch authenticator.authenticate(request) {
        case .allow(let userID):
            return userID
        case .deny(let reason, let status):
            throw ZMTPError.peerDenied(status: status.rawValue, reason: reason)
        }
    }
}

extension Command {
    /// The ERROR libzmq sends a peer its ZAP handler refused: the 3-digit status as the reason,
    /// and nothing for a temporary failure (300), where the connection just closes.
    static func refusal(for error: Error) -> Command? {
        guard case ZMTPError.peerDenied(let status, _) = error,
              status != AuthenticationStatus.temporaryFailure.rawValue else { return nil }
        return Command.error(String(status))
    }
}

extension Command {
    /// The start of libzmq's PLAIN ERROR body. Its source spells the name "\x05ERROR", which C
    /// reads as the byte 0x5E followed by "RROR": libzmq 4.x sends `5E "RROR" len reason` and
    /// its PLAIN client recognises only that form (a well-formed ERROR is an unexpected command
    /// to it). Our PLAIN server sends it and `decode` reads it as ERROR.
    static let libzmqPlainErrorName: [UInt8] = [0x5E] + Array("RROR".utf8)
}

extension ZMTPError {
    /// What an ERROR received during the handshake means: a ZAP status (the server's
    /// authenticator refused us) or another reason.
    static func fromErrorCommand(_ data: [UInt8]) throws -> ZMTPError {
        let reason = try Command.errorReason(data)
        if let status = Int(reason), AuthenticationStatus(rawValue: status) != nil, reason.utf8.count == 3 {
            return .deniedByPeer(status: status)
        }
        return .peerError(reason: reason)
    }
}
