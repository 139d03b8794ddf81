/// A SUB or XSUB socket's own subscriptions: prefix matching with counted subscriptions, as
/// libzmq's `trie_t`. Subscribing to a topic twice needs two cancels; the empty topic matches
/// every message.
package struct SubscriptionTrie: Sendable {
    private var tree = PrefixTree<Int>()
    /// Distinct topics subscribed.
    package private(set) var count = 0

    package init() {}

    /// Adds one subscription to `topic`; true when it is the topic's first (count 0 to 1).
    @discardableResult
    package mutating func subscribe(_ topic: ArraySlice<UInt8>) -> Bool {
        let first = tree.update(tree.insert(topic)) { n in
            n = (n ?? 0) + 1
            return n == 1
        }
        if first { count += 1 }
        return first
    }

    /// Removes one subscription to `topic`; true when it was the last (count 1 to 0). A topic
    /// never subscribed leaves the trie unchanged and returns false.
    @discardableResult
    package mutating func unsubscribe(_ topic: ArraySlice<UInt8>) -> Bool {
        guard let node = tree.find(topic), tree[node] != nil else { return false }
        let last = tree.update(node) { n in
            n = n! > 1 ? n! - 1 : nil
            return n == nil
        }
        if last { count -= 1 }
        return last
    }

    /// Whether the empty topic is subscribed, so that every message matches.
    package var matchesEverything: Bool { tree.emptyKeyValue != nil }

    /// Whether some subscription is a prefix of `topic` (a message's first frame).
    package func matches(_ topic: ArraySlice<UInt8>) -> Bool { prefixed(topic) }

    /// Whether some subscription is a prefix of `topic`, read where it lies (a queued frame).
    package func matches(_ topic: UnsafeRawBufferPointer) -> Bool { prefixed(topic) }

    private func prefixed<Topic: RandomAccessCollection<UInt8>>(_ topic: Topic) -> Bool where Topic.Index == Int {
        var found = false
        tree.forEachPrefix(of: topic) { _ in
            found = true
            return false
        }
        return found
    }

    /// Each distinct topic once, in byte order.
    package func topics() -> [[UInt8]] { tree.keys() }

    /// Applies the application's subscribe or cancel (SUB's options, or a 0x01/0x00 message
    /// sent on XSUB); true when it is to go to the publishers, as libzmq decides: every
    /// subscribe, duplicates included (so that XPUB_VERBOSE works through proxies), but a
    /// cancel only when it removes the topic's last subscription.
    package mutating func apply(_ subscription: Subscription) -> Bool {
        switch subscription.action {
        case .subscribe:
            subscribe(subscription.topic[...])
            return true
        case .cancel:
            return unsubscribe(subscription.topic[...])
        }
    }

    /// What a subscriber sends on a new or re-established connection: each distinct topic
    /// once, in byte order (libzmq's `xhiccuped` and `xattach_pipe`).
    package func resubscriptions() -> [Subscription] {
        topics().map { Subscription(.subscribe, $0) }
    }
}
