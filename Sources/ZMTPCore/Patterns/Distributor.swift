/// Fan-out to many peers (PUB, XPUB), as libzmq's `dist_t`: each matching peer gets a copy,
/// and a peer at its high-water mark loses its copy instead of holding up the sender or the
/// other peers. Those drops are counted, per peer and in total.
package struct Distributor<Peer: Hashable & Sendable>: Sendable {
    /// Copies dropped per peer present.
    package private(set) var drops: [Peer: UInt64] = [:]
    /// Copies dropped since the socket was made, including those of peers gone since.
    package private(set) var totalDrops: UInt64 = 0

    package init() {}

    /// Offers one message to each of `peers`; `deliver` returns false when the peer is at its
    /// high-water mark. Returns how many peers took it.
    @discardableResult
    package mutating func distribute(to peers: some Sequence<Peer>, deliver: (Peer) -> Bool) -> Int {
        var delivered = 0
        for peer in peers {
            if deliver(peer) {
                delivered += 1
            } else {
                drops[peer, default: 0] += 1
                totalDrops += 1
            }
        }
        return delivered
    }

    /// Forgets a peer that left (its drops stay in the total).
    package mutating func remove(_ peer: Peer) {
        drops[peer] = nil
    }
}
