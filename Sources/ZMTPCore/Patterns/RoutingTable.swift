/// ROUTER's routing ids, as libzmq assigns them: a peer's announced non-empty Identity is its
/// id; otherwise it gets 5 bytes, 0x00 then a 32-bit big-endian counter that starts at a
/// random value. A second peer announcing an id already in use is ignored (its messages are
/// never delivered), unless handover is on (ROUTER_HANDOVER), when it takes the id over.
package struct RoutingTable<Peer: Hashable & Sendable>: Sendable {
    package enum Attachment: Equatable, Sendable {
        /// The peer is routable under `id`.
        case routed(id: [UInt8])
        /// The id is taken: the peer stays connected but is not routed to or from.
        case duplicate(id: [UInt8])
        /// The peer took `id` from `previous`, which the socket should disconnect.
        case handedOver(id: [UInt8], previous: Peer)
    }

    /// Keyed by slice (equal and hashed by content) so a lookup by a frame copies nothing.
    private var peersByID: [ArraySlice<UInt8>: Peer] = [:]
    private var idsByPeer: [Peer: [UInt8]] = [:]
    private var nextGenerated: UInt32
    private let handover: Bool

    /// `firstGeneratedID` is random in use (libzmq starts from a random value); tests fix it.
    package init(handover: Bool = false, firstGeneratedID: UInt32 = .random(in: .min ... .max)) {
        self.handover = handover
        nextGenerated = firstGeneratedID
    }

    package var count: Int { idsByPeer.count }

    /// Registers a peer after its handshake, with the Identity it announced (maybe empty).
    package mutating func attach(_ peer: Peer, identity: [UInt8]) -> Attachment {
        guard !identity.isEmpty else {
            var id: [UInt8]
            repeat {
                id = [0]
                id.appendBE(nextGenerated)
                nextGenerated &+= 1
            } while peersByID[id[...]] != nil
            bind(peer, to: id)
            return .routed(id: id)
        }
        guard let previous = peersByID[identity[...]] else {
            bind(peer, to: identity)
            return .routed(id: identity)
        }
        guard handover else { return .duplicate(id: identity) }
        idsByPeer[previous] = nil
        bind(peer, to: identity)
        return .handedOver(id: identity, previous: previous)
    }

    /// Forgets a peer that left (a no-op for one that was never routed).
    package mutating func detach(_ peer: Peer) {
        guard let id = idsByPeer.removeValue(forKey: peer) else { return }
        peersByID[id[...]] = nil
    }

    package func peer(for id: ArraySlice<UInt8>) -> Peer? { peersByID[id] }

    package func id(of peer: Peer) -> [UInt8]? { idsByPeer[peer] }

    private mutating func bind(_ peer: Peer, to id: [UInt8]) {
        peersByID[id[...]] = peer
        idsByPeer[peer] = id
    }
}
