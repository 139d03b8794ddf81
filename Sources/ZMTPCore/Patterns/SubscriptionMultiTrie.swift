/// The subscriptions of every peer of a PUB or XPUB socket, for finding which peers a message
/// goes to, as libzmq's `mtrie_t`: per topic a set of peers, so a peer's duplicate SUBSCRIBE is
/// not counted and one CANCEL removes it.
package struct SubscriptionMultiTrie<Peer: Hashable & Sendable>: Sendable {
    /// What removing one peer's subscription did to the topic.
    package enum RemoveResult: Equatable, Sendable {
        /// The peer held no subscription to the topic.
        case notFound
        /// The topic has no subscriber left.
        case lastPeerRemoved
        /// Other peers still subscribe to the topic.
        case peersRemain
    }

    private var tree = PrefixTree<Set<Peer>>()
    /// The tree nodes each peer subscribes at (indices stay valid while the node has a value).
    private var nodesByPeer: [Peer: Set<Int>] = [:]

    package init() {}

    /// The number of (peer, topic) subscriptions held.
    package var count: Int { nodesByPeer.values.reduce(0) { $0 + $1.count } }

    /// Subscribes `peer` to `topic`; true when the topic had no subscriber before.
    @discardableResult
    package mutating func add(_ topic: ArraySlice<UInt8>, for peer: Peer) -> Bool {
        let node = tree.insert(topic)
        nodesByPeer[peer, default: []].insert(node)
        return tree.update(node) { peers in
            guard peers != nil else {
                peers = [peer]
                return true
            }
            peers!.insert(peer)
            return false
        }
    }

    package mutating func remove(_ topic: ArraySlice<UInt8>, for peer: Peer) -> RemoveResult {
        guard let node = tree.find(topic) else { return .notFound }
        return remove(node: node, for: peer)
    }

    /// Drops every subscription of `peer` (it left). Returns each of its topics with whether
    /// that topic now has no subscriber, in byte order.
    package mutating func removePeer(_ peer: Peer) -> [(topic: [UInt8], wasLast: Bool)] {
        guard let nodes = nodesByPeer[peer] else { return [] }
        let removed = nodes.map { node in (topic: tree.key(of: node), node: node) }.sorted { $0.topic.lexicographicallyPrecedes($1.topic) }
        return removed.map { (topic: $0.topic, wasLast: remove(node: $0.node, for: peer) == .lastPeerRemoved) }
    }

    /// How many peers subscribe to the empty topic, which every message matches.
    package var peersMatchingEverything: Int { tree.emptyKeyValue?.count ?? 0 }

    /// Whether some peer has a subscription that prefixes `topic`.
    package func anyPeer(matching topic: ArraySlice<UInt8>) -> Bool {
        var found = false
        tree.forEachPrefix(of: topic) { _ in
            found = true
            return false
        }
        return found
    }

    /// Adds to `peers` every peer with a subscription that prefixes `topic`. The caller passes
    /// the same set each time (emptied, capacity kept) so the hot path does not allocate.
    package func peers(matching topic: ArraySlice<UInt8>, into peers: inout Set<Peer>) {
        tree.forEachPrefix(of: topic) { subscribers in
            peers.formUnion(subscribers)
            return true
        }
    }

    private mutating func remove(node: Int, for peer: Peer) -> RemoveResult {
        guard tree[node]?.contains(peer) == true else { return .notFound }
        nodesByPeer[peer]?.remove(node)
        if nodesByPeer[peer]?.isEmpty == true { nodesByPeer[peer] = nil }
        return tree.update(node) { peers in
            peers!.remove(peer)
            if peers!.isEmpty { peers = nil }
            return peers == nil ? .lastPeerRemoved : .peersRemain
        }
    }
}
