/// The subscription side of PUB and XPUB, as libzmq's `xpub_t`: peers' subscribes and cancels
/// go into a `SubscriptionMultiTrie` that decides where each message goes, and XPUB hands them
/// to its application as frames (0x01/0x00 + topic), whatever wire form they came in.
///
/// Without XPUB_VERBOSE only a topic's first subscriber is reported; a cancel is reported
/// unless other peers still hold the topic (so also a cancel of a topic never subscribed, as
/// libzmq does). With XPUB_MANUAL nothing is applied: every subscribe and cancel is reported
/// and the application decides, with `applyManual`, for the peer of the notification it
/// received last.
package struct PublisherState<Peer: Hashable & Sendable>: Sendable {
    package struct Options: Equatable, Sendable {
        /// XPUB (true) reports subscriptions to the application; PUB (false) does not.
        package var reportsSubscriptions: Bool
        /// XPUB_VERBOSE: report every subscribe, not only a topic's first.
        package var verbose = false
        /// XPUB_VERBOSER: XPUB_VERBOSE, and report every cancel too.
        package var verboser = false
        /// XPUB_MANUAL.
        package var manual = false
        /// XPUB_WELCOME_MSG: sent to each new peer, whatever it subscribes to.
        package var welcome: [UInt8]?

        package init(reportsSubscriptions: Bool, verbose: Bool = false, verboser: Bool = false,
                     manual: Bool = false, welcome: [UInt8]? = nil) {
            self.reportsSubscriptions = reportsSubscriptions
            self.verbose = verbose
            self.verboser = verboser
            self.manual = manual
            self.welcome = welcome
        }
    }

    /// A subscription frame for the application, with the peer it came from (nil when it
    /// reports a peer's departure).
    package struct Notification: Equatable, Sendable {
        package var peer: Peer?
        package var frame: [UInt8]

        package init(peer: Peer?, frame: [UInt8]) {
            self.peer = peer
            self.frame = frame
        }
    }

    package let options: Options
    /// What decides where messages go.
    package private(set) var subscriptions = SubscriptionMultiTrie<Peer>()
    /// XPUB_MANUAL: what each peer asked for, so that its departure can be reported.
    private var requested = SubscriptionMultiTrie<Peer>()
    /// XPUB_MANUAL: the peer of the notification the application received last.
    private var lastReported: Peer?

    package init(options: Options) {
        self.options = options
    }

    /// Applies a peer's subscribe or cancel; returns what the application is to receive.
    package mutating func received(_ subscription: Subscription, from peer: Peer) -> Notification? {
        let topic = subscription.topic[...]
        let report: Bool
        if options.manual {
            switch subscription.action {
            case .subscribe: requested.add(topic, for: peer)
            case .cancel: _ = requested.remove(topic, for: peer)
            }
            report = true
        } else {
            switch subscription.action {
            case .subscribe: report = subscriptions.add(topic, for: peer) || options.verbose || options.verboser
            case .cancel: report = subscriptions.remove(topic, for: peer) != .peersRemain || options.verboser
            }
        }
        guard report, options.reportsSubscriptions else { return nil }
        return Notification(peer: peer, frame: subscription.frame)
    }

    /// A peer left: its subscriptions go. Returns the cancels the application is to receive:
    /// the topics no other peer holds (all of the peer's topics with XPUB_VERBOSER, or with
    /// XPUB_MANUAL all it had asked for).
    package mutating func peerRemoved(_ peer: Peer) -> [Notification] {
        if lastReported == peer { lastReported = nil }
        let applied = subscriptions.removePeer(peer)
        let cancelled: [[UInt8]]
        if options.manual {
            cancelled = requested.removePeer(peer).map(\.topic)
        } else {
            cancelled = applied.filter { $0.wasLast || options.verboser }.map(\.topic)
        }
        guard options.reportsSubscriptions else { return [] }
        return cancelled.map { Notification(peer: nil, frame: Subscription(.cancel, $0).frame) }
    }

    /// The application received `notification`: XPUB_MANUAL's next `applyManual` is for its peer.
    package mutating func delivered(_ notification: Notification) {
        lastReported = notification.peer
    }

    /// XPUB_MANUAL: the application's SUBSCRIBE or UNSUBSCRIBE option, applied to the peer of
    /// the notification it received last. False (nothing done) when there is no such peer, or
    /// the socket is not manual.
    @discardableResult
    package mutating func applyManual(_ subscription: Subscription) -> Bool {
        guard options.manual, let peer = lastReported else { return false }
        switch subscription.action {
        case .subscribe: subscriptions.add(subscription.topic[...], for: peer)
        case .cancel: _ = subscriptions.remove(subscription.topic[...], for: peer)
        }
        return true
    }

    /// The peers a message with this first frame goes to; `peers` is emptied first.
    package func peers(matching topic: ArraySlice<UInt8>, into peers: inout Set<Peer>) {
        peers.removeAll(keepingCapacity: true)
        subscriptions.peers(matching: topic, into: &peers)
    }
}
