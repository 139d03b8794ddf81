import Testing
@_spi(Engine) import ZMTPCore

/// Topic bytes from a string.
func topic(_ s: String) -> ArraySlice<UInt8> { Array(s.utf8)[...] }

@Suite struct SubscriptionTrieTests {
    @Test func prefixMatching() {
        var trie = SubscriptionTrie()
        #expect(!trie.matches(topic("anything")), "no subscription matches nothing")
        trie.subscribe(topic("news.sport"))
        #expect(trie.matches(topic("news.sport")))
        #expect(trie.matches(topic("news.sport.football")))
        #expect(!trie.matches(topic("news.spor")))
        #expect(!trie.matches(topic("news.weather")))
        #expect(!trie.matches(topic("")))
    }

    @Test func emptySubscriptionMatchesEverything() {
        var trie = SubscriptionTrie()
        trie.subscribe(topic(""))
        #expect(trie.matches(topic("")))
        #expect(trie.matches(topic("x")))
        #expect(trie.matches([0, 1, 255][...]))
        #expect(trie.matchesEverything)
        trie.subscribe(topic("x"))
        trie.unsubscribe(topic(""))
        #expect(!trie.matchesEverything, "a topic other than the empty one matches only its own")
    }

    @Test func subscriptionsAreCountedAsLibzmqDoes() {
        var trie = SubscriptionTrie()
        do {
            let result = trie.subscribe(topic("A"))
            #expect(result, "first subscription")
        }
        do {
            let result = trie.subscribe(topic("A"))
            #expect(!result, "duplicate is counted, not new")
        }
        do {
            let result = trie.unsubscribe(topic("A"))
            #expect(!result, "one cancel of two leaves it")
        }
        #expect(trie.matches(topic("A1")))
        do {
            let result = trie.unsubscribe(topic("A"))
            #expect(result, "the second cancel removes it")
        }
        #expect(!trie.matches(topic("A1")))
        do {
            let result = trie.unsubscribe(topic("A"))
            #expect(!result, "cancel of an unknown topic changes nothing")
        }
        #expect(trie.count == 0)
    }

    @Test func splitAndMergeKeepOtherTopics() {
        var trie = SubscriptionTrie()
        for t in ["abcdef", "abc", "abxy", "b", ""] { trie.subscribe(topic(t)) }
        #expect(trie.topics() == ["", "abc", "abcdef", "abxy", "b"].map { Array($0.utf8) })
        trie.unsubscribe(topic(""))
        trie.unsubscribe(topic("abc"))
        #expect(!trie.matches(topic("abcz")))
        #expect(trie.matches(topic("abcdefg")) && trie.matches(topic("abxyz")) && trie.matches(topic("b")))
        trie.unsubscribe(topic("abxy"))
        #expect(trie.matches(topic("abcdef")) && !trie.matches(topic("abxy")))
        #expect(trie.topics() == ["abcdef", "b"].map { Array($0.utf8) })
        trie.unsubscribe(topic("abcdef"))
        trie.unsubscribe(topic("b"))
        #expect(trie.topics().isEmpty && trie.count == 0)
    }

    @Test func unsubscribingAnInnerPrefixThatWasNeverSubscribed() {
        var trie = SubscriptionTrie()
        trie.subscribe(topic("abc"))
        trie.subscribe(topic("abd"))
        do {
            let result = trie.unsubscribe(topic("ab"))
            #expect(!result, "the split node holds no subscription")
        }
        #expect(trie.matches(topic("abc")) && trie.matches(topic("abd")))
    }

    @Test func tenThousandSubscriptions() {
        var trie = SubscriptionTrie()
        for i in 0..<10_000 { trie.subscribe(topic("topic.\(i).")) }
        #expect(trie.count == 10_000)
        for i in stride(from: 0, to: 10_000, by: 7) {
            #expect(trie.matches(topic("topic.\(i).payload")))
        }
        #expect(!trie.matches(topic("topic.10000.")))
        #expect(!trie.matches(topic("topic.1")), "a prefix of subscriptions is not itself subscribed")
        for i in 0..<10_000 where i % 2 == 0 { trie.unsubscribe(topic("topic.\(i).")) }
        #expect(trie.count == 5_000)
        #expect(!trie.matches(topic("topic.42.x")) && trie.matches(topic("topic.43.x")))
        #expect(trie.topics().count == 5_000)
    }

    @Test func oneMebibyteTopics() {
        let long = [UInt8](repeating: 0x61, count: 1 << 20)
        var trie = SubscriptionTrie()
        trie.subscribe(long[...])
        #expect(trie.matches((long + [0x62])[...]))
        #expect(!trie.matches(long.dropLast()))
        // A second long topic diverging at the very end splits the 1 MiB edge.
        var other = long
        other[other.count - 1] = 0x62
        trie.subscribe(other[...])
        #expect(trie.matches(other[...]) && trie.matches(long[...]))
        do {
            let result = trie.unsubscribe(long[...])
            #expect(result)
        }
        #expect(!trie.matches(long[...]) && trie.matches(other[...]))
        do {
            let result = trie.unsubscribe(other[...])
            #expect(result)
        }
        #expect(trie.count == 0 && trie.topics().isEmpty)
    }

    /// Many nested topics make a deep tree; nothing walks it recursively, and dropping it is
    /// dropping one array.
    @Test func deepNestingNeedsNoRecursion() {
        var trie = SubscriptionTrie()
        var t: [UInt8] = []
        for _ in 0..<3_000 {
            t.append(0x7a)
            trie.subscribe(t[...])
        }
        #expect(trie.matches((t + [1])[...]))
        #expect(trie.topics().count == 3_000)
        for n in stride(from: 3_000, to: 0, by: -2) { trie.unsubscribe(t.prefix(n)) }
        #expect(trie.count == 1_500)
        #expect(trie.matches(topic("z")) && trie.matches(t[...]))
    }

    @Test func removedNodesAreReused() {
        var trie = SubscriptionTrie()
        for round in 0..<3 {
            for i in 0..<100 { trie.subscribe(topic("r\(round).\(i)")) }
            for i in 0..<100 { trie.unsubscribe(topic("r\(round).\(i)")) }
            #expect(trie.count == 0 && !trie.matches(topic("r\(round).5")))
        }
    }
}

@Suite struct SubscriptionMultiTrieTests {
    @Test func peersMatchingAreDeduplicated() {
        var trie = SubscriptionMultiTrie<Int>()
        do {
            let result = trie.add(topic("A"), for: 1)
            #expect(result)
        }
        do {
            let result = trie.add(topic("A"), for: 2)
            #expect(!result, "the topic already had a subscriber")
        }
        do {
            let result = trie.add(topic("AB"), for: 1)
            #expect(result)
        }
        do {
            let result = trie.add(topic(""), for: 3)
            #expect(result)
        }
        var peers = Set<Int>()
        trie.peers(matching: topic("ABC"), into: &peers)
        #expect(peers == [1, 2, 3])
        peers.removeAll()
        trie.peers(matching: topic("B"), into: &peers)
        #expect(peers == [3])
    }

    /// What a publisher's fast paths ask: how many peers take everything, whether any matches.
    @Test func peersMatchingEverythingAndAnyMatch() {
        var trie = SubscriptionMultiTrie<Int>()
        #expect(trie.peersMatchingEverything == 0 && !trie.anyPeer(matching: topic("A")))
        trie.add(topic("AB"), for: 1)
        #expect(trie.anyPeer(matching: topic("ABC")) && !trie.anyPeer(matching: topic("A")))
        trie.add(topic(""), for: 1)
        trie.add(topic(""), for: 2)
        trie.add(topic(""), for: 2)
        #expect(trie.peersMatchingEverything == 2 && trie.anyPeer(matching: topic("")))
        _ = trie.removePeer(2)
        #expect(trie.peersMatchingEverything == 1)
        _ = trie.remove(topic(""), for: 1)
        #expect(trie.peersMatchingEverything == 0 && trie.anyPeer(matching: topic("AB")) && !trie.anyPeer(matching: topic("B")))
    }

    @Test func duplicatesFromOnePeerAreNotCounted() {
        var trie = SubscriptionMultiTrie<Int>()
        trie.add(topic("A"), for: 1)
        trie.add(topic("A"), for: 1)
        do {
            let result = trie.remove(topic("A"), for: 1)
            #expect(result == .lastPeerRemoved, "one CANCEL removes it, as libzmq's mtrie")
        }
        do {
            let result = trie.remove(topic("A"), for: 1)
            #expect(result == .notFound)
        }
        #expect(trie.count == 0)
    }

    @Test func removeResults() {
        var trie = SubscriptionMultiTrie<Int>()
        trie.add(topic("A"), for: 1)
        trie.add(topic("A"), for: 2)
        do {
            let result = trie.remove(topic("Z"), for: 1)
            #expect(result == .notFound)
        }
        do {
            let result = trie.remove(topic("A"), for: 3)
            #expect(result == .notFound)
        }
        do {
            let result = trie.remove(topic("A"), for: 1)
            #expect(result == .peersRemain)
        }
        do {
            let result = trie.remove(topic("A"), for: 2)
            #expect(result == .lastPeerRemoved)
        }
    }

    @Test func removingAPeer() {
        var trie = SubscriptionMultiTrie<Int>()
        for t in ["b", "a", "ab", ""] { trie.add(topic(t), for: 1) }
        trie.add(topic("ab"), for: 2)
        let removed = trie.removePeer(1)
        #expect(removed.map(\.topic) == ["", "a", "ab", "b"].map { Array($0.utf8) })
        #expect(removed.map(\.wasLast) == [true, true, false, true])
        var peers = Set<Int>()
        trie.peers(matching: topic("abc"), into: &peers)
        #expect(peers == [2])
        let again = trie.removePeer(1)
        #expect(again.isEmpty)
        #expect(trie.count == 1)
    }

    @Test func tenThousandSubscriptionsOverManyPeers() {
        var trie = SubscriptionMultiTrie<Int>()
        for i in 0..<10_000 { trie.add(topic("t\(i)/"), for: i % 10) }
        #expect(trie.count == 10_000)
        var peers = Set<Int>()
        trie.peers(matching: topic("t1234/x"), into: &peers)
        #expect(peers == [4])
        for peer in 0..<5 {
            let removed = trie.removePeer(peer)
            #expect(removed.count == 1_000)
        }
        peers.removeAll()
        trie.peers(matching: topic("t1234/x"), into: &peers)
        #expect(peers.isEmpty)
        trie.peers(matching: topic("t1235/x"), into: &peers)
        #expect(peers == [5])
        #expect(trie.count == 5_000)
    }

    @Test func oneMebibyteTopicFromAPeerThatLeaves() {
        let long = [UInt8](repeating: 0x41, count: 1 << 20)
        var trie = SubscriptionMultiTrie<Int>()
        trie.add(long[...], for: 1)
        trie.add(long.dropLast(), for: 2)
        let removed = trie.removePeer(1)
        #expect(removed.count == 1 && removed[0].topic == long && removed[0].wasLast)
        var peers = Set<Int>()
        trie.peers(matching: long[...], into: &peers)
        #expect(peers == [2])
    }
}

@Suite struct SubscriberUpstreamTests {
    /// libzmq's experiment e1/e9: SUB A, A, B; UNSUB B; SUB "" sends every subscribe and the
    /// cancel of B; a reconnect then sends "" and A once each.
    @Test func whatGoesUpstreamAndWhatIsResent() {
        var trie = SubscriptionTrie()
        let steps: [(Subscription, Bool)] = [
            (Subscription(.subscribe, Array("A".utf8)), true),
            (Subscription(.subscribe, Array("A".utf8)), true),
            (Subscription(.subscribe, Array("B".utf8)), true),
            (Subscription(.cancel, Array("B".utf8)), true),
            (Subscription(.cancel, Array("Q".utf8)), false),
            (Subscription(.subscribe, []), true),
            (Subscription(.cancel, Array("A".utf8)), false),
        ]
        for (subscription, sent) in steps {
            let forwarded = trie.apply(subscription)
            #expect(forwarded == sent, "\(subscription)")
        }
        #expect(trie.resubscriptions() == [Subscription(.subscribe, []), Subscription(.subscribe, Array("A".utf8))])
    }
}
