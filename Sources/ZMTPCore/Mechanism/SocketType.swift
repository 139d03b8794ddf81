/// ZMTP socket types and which peer types each accepts (spec 23/37, libzmq's check_socket_type).
public enum SocketType: String, Sendable, CaseIterable {
    case pair = "PAIR", pub = "PUB", sub = "SUB", req = "REQ", rep = "REP"
    case dealer = "DEALER", router = "ROUTER", pull = "PULL", push = "PUSH"
    case xpub = "XPUB", xsub = "XSUB"

    @_spi(Engine) public func accepts(_ peer: String) -> Bool {
        guard let p = SocketType(rawValue: peer) else { return false }
        switch self {
        case .req: return p == .rep || p == .router
        case .rep: return p == .req || p == .dealer
        case .dealer: return p == .rep || p == .dealer || p == .router
        case .router: return p == .req || p == .dealer || p == .router
        case .pub, .xpub: return p == .sub || p == .xsub
        case .sub, .xsub: return p == .pub || p == .xpub
        case .push: return p == .pull
        case .pull: return p == .push
        case .pair: return p == .pair
        }
    }

    /// libzmq sends Identity only from these types.
    var sendsIdentity: Bool { self == .req || self == .dealer || self == .router }

    /// The metadata a socket of this type announces in its handshake.
    @_spi(Engine) public func metadata(identity: [UInt8]) -> Metadata {
        var m = Metadata([("Socket-Type", Array(rawValue.utf8))])
        if sendsIdentity { m.properties.append(("Identity", identity)) }
        return m
    }

    /// The validation a handshake runs on the peer's metadata.
    @_spi(Engine) public func peerValidator() -> (Metadata) throws -> Void {
        return { peer in
            let peerType = peer.socketType ?? "(none)"
            guard self.accepts(peerType) else {
                throw ZMTPError.incompatibleSocketType(local: self.rawValue, peer: peerType)
            }
        }
    }
}
