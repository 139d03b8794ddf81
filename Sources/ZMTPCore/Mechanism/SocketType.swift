/// ZMTP socket types and which peer types each accepts (spec 23/37, libzmq's check_socket_type).
public enum SocketType: String, Sendable, CaseIterable {
    /// One peer, both ways (exclusive pair).
    case pair = "PAIR"
    /// Sends to every subscriber whose subscription matches (publish-subscribe).
    case pub = "PUB"
    /// Receives what matches its subscriptions from publishers.
    case sub = "SUB"
    /// Sends a request, then receives its reply, strictly in turn.
    case req = "REQ"
    /// Receives a request, then sends its reply, strictly in turn.
    case rep = "REP"
    /// Sends round-robin to its peers and receives fair-queued from them, with no lock-step.
    case dealer = "DEALER"
    /// Knows each peer by a routing id: received messages start with the sender's, and sent
    /// ones with the recipient's.
    case router = "ROUTER"
    /// Receives fair-queued from pushers (pipeline).
    case pull = "PULL"
    /// Sends round-robin to pullers.
    case push = "PUSH"
    /// A PUB that also delivers its subscribers' subscriptions to the application.
    case xpub = "XPUB"
    /// A SUB that sends its subscriptions as messages.
    case xsub = "XSUB"

    /// The peer types each type talks to: the matrix of RFC 23/37, which libzmq 4.3.5's
    /// `check_socket_type` applies unchanged to these types. The one table of it.
    private static let compatiblePeers: [SocketType: Set<SocketType>] = [
        .req: [.rep, .router],
        .rep: [.req, .dealer],
        .dealer: [.rep, .dealer, .router],
        .router: [.req, .dealer, .router],
        .pub: [.sub, .xsub],
        .xpub: [.sub, .xsub],
        .sub: [.pub, .xpub],
        .xsub: [.pub, .xpub],
        .push: [.pull],
        .pull: [.push],
        .pair: [.pair],
    ]

    /// Whether a socket of this type may talk to a peer of type `peer` (the RFC 23/37 matrix).
    public func isCompatible(with peer: SocketType) -> Bool {
        Self.compatiblePeers[self]?.contains(peer) ?? false
    }

    /// Whether this type accepts a peer announcing Socket-Type `peer` (unknown names: no).
    @_spi(Engine) public func accepts(_ peer: String) -> Bool {
        guard let p = SocketType(rawValue: peer) else { return false }
        return isCompatible(with: p)
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
