/// Round-robin over a socket's peers, one whole message per turn: libzmq's `lb_t` when the
/// predicate is "can take a message now" (load-balance out: PUSH, DEALER, REQ) and its `fq_t`
/// when it is "has a message ready" (fair-queue in: PULL, DEALER, ROUTER, SUB). Peers that fail
/// the predicate are skipped, not waited for.
package struct RoundRobin<Peer: Equatable & Sendable>: Sendable {
    package private(set) var peers: [Peer] = []
    /// The peer whose turn it is.
    private var current = 0

    package init() {}

    /// A new peer joins the rotation last.
    package mutating func add(_ peer: Peer) {
        peers.append(peer)
    }

    /// A peer leaves; the turn stays with the peer that had it (or the next one).
    package mutating func remove(_ peer: Peer) {
        guard let index = peers.firstIndex(of: peer) else { return }
        peers.remove(at: index)
        if index < current { current -= 1 }
        if current >= peers.count { current = 0 }
    }

    /// The first peer from the current turn on that `isReady` accepts; the turn then passes to
    /// the peer after it. nil (and no change) when no peer is ready.
    package mutating func next(where isReady: (Peer) -> Bool) -> Peer? {
        for offset in 0..<peers.count {
            let index = (current + offset) % peers.count
            if isReady(peers[index]) {
                current = (index + 1) % peers.count
                return peers[index]
            }
        }
        return nil
    }
}
