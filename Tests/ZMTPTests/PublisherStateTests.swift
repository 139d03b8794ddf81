import Testing
@_spi(Engine) import ZMTPCore

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
private func sub(_ t: String) -> Subscription { Subscription(.subscribe, bytes(t)) }
private func cancel(_ t: String) -> Subscription { Subscription(.cancel, bytes(t)) }

private extension PublisherState {
    func peers(_ topic: String) -> Set<Peer> {
        var set = Set<Peer>()
        peers(matching: bytes(topic)[...], into: &set)
        return set
    }
}

@Suite struct PublisherStateTests {
    @Test func xpubReportsOnlyNewSubscriptions() {
        var xpub = PublisherState<Int>(options: .init(reportsSubscriptions: true))
        #expect(xpub.received(sub("A"), from: 1)?.frame == [0x01, 0x41])
        #expect(xpub.received(sub("A"), from: 2) == nil, "the topic already has a subscriber")
        #expect(xpub.received(sub("A"), from: 1) == nil)
        #expect(xpub.received(cancel("A"), from: 1) == nil, "peer 2 still holds it")
        #expect(xpub.received(cancel("A"), from: 2) == .init(peer: 2, frame: [0x00, 0x41]))
        #expect(xpub.received(cancel("Z"), from: 1)?.frame == [0x00, 0x5a], "a cancel of an unknown topic is reported, as libzmq does")
    }

    @Test func pubAppliesButNeverReports() {
        var pub = PublisherState<Int>(options: .init(reportsSubscriptions: false))
        #expect(pub.received(sub("A"), from: 1) == nil)
        #expect(pub.peers("Abc") == [1])
        #expect(pub.peerRemoved(1).isEmpty)
        #expect(pub.peers("Abc").isEmpty)
    }

    @Test func verboseReportsEverySubscribe() {
        var xpub = PublisherState<Int>(options: .init(reportsSubscriptions: true, verbose: true))
        #expect(xpub.received(sub("A"), from: 1) != nil)
        #expect(xpub.received(sub("A"), from: 2) != nil)
        #expect(xpub.received(cancel("A"), from: 1) == nil, "VERBOSE does not report a cancel others cover")
        var verboser = PublisherState<Int>(options: .init(reportsSubscriptions: true, verboser: true))
        _ = verboser.received(sub("A"), from: 1)
        #expect(verboser.received(sub("A"), from: 2) != nil)
        #expect(verboser.received(cancel("A"), from: 1)?.frame == [0x00, 0x41])
    }

    @Test func peerDepartureReportsTheTopicsNobodyHolds() {
        var xpub = PublisherState<Int>(options: .init(reportsSubscriptions: true))
        for t in ["B", "A"] { _ = xpub.received(sub(t), from: 1) }
        _ = xpub.received(sub("A"), from: 2)
        #expect(xpub.peerRemoved(1) == [.init(peer: nil, frame: [0x00, 0x42])])
        #expect(xpub.peers("A!") == [2] && xpub.peers("B!").isEmpty)

        var verboser = PublisherState<Int>(options: .init(reportsSubscriptions: true, verboser: true))
        for t in ["B", "A"] { _ = verboser.received(sub(t), from: 1) }
        _ = verboser.received(sub("A"), from: 2)
        #expect(verboser.peerRemoved(1).map(\.frame) == [[0x00, 0x41], [0x00, 0x42]])
    }

    @Test func manualLetsTheApplicationDecide() {
        var xpub = PublisherState<Int>(options: .init(reportsSubscriptions: true, manual: true))
        do {
            let applied = xpub.applyManual(sub("Z"))
            #expect(!applied, "no notification received yet")
        }
        let n = xpub.received(sub("A"), from: 1)
        #expect(n == .init(peer: 1, frame: [0x01, 0x41]))
        #expect(xpub.received(sub("A"), from: 1) != nil, "MANUAL reports every subscribe")
        #expect(xpub.peers("A").isEmpty, "nothing applied by itself")
        xpub.delivered(n!)
        do {
            let applied = xpub.applyManual(sub("Z"))
            #expect(applied)
        }
        #expect(xpub.peers("A").isEmpty && xpub.peers("Z-after") == [1])
        do {
            let applied = xpub.applyManual(cancel("Z"))
            #expect(applied)
        }
        #expect(xpub.peers("Z-after").isEmpty)
        #expect(xpub.peerRemoved(1) == [.init(peer: nil, frame: [0x00, 0x41])], "what the peer asked for is reported as cancelled")
        do {
            let applied = xpub.applyManual(sub("Z"))
            #expect(!applied, "the last reported peer left")
        }
    }

    @Test func manualApplicationSubscriptionsGoWithThePeer() {
        var xpub = PublisherState<Int>(options: .init(reportsSubscriptions: true, manual: true))
        xpub.delivered(xpub.received(sub("A"), from: 1)!)
        xpub.applyManual(sub("Q"))
        _ = xpub.peerRemoved(1)
        #expect(xpub.peers("Q").isEmpty && xpub.subscriptions.count == 0)
    }

    @Test func welcomeMessage() {
        #expect(PublisherState<Int>(options: .init(reportsSubscriptions: true)).options.welcome == nil)
        #expect(PublisherState<Int>(options: .init(reportsSubscriptions: true, welcome: bytes("WELCOME"))).options.welcome == bytes("WELCOME"))
    }

    @Test func bothWireFormsFeedTheSameState() throws {
        var xpub = PublisherState<Int>(options: .init(reportsSubscriptions: true))
        let fromCommand = try #require(try Subscription.received(Command.decode(sub("A").command.encoded()), by: .xpub))
        let fromFrame = try #require(Subscription(frame: [0x01, 0x42][...]))
        #expect(xpub.received(fromCommand, from: 1)?.frame == [0x01, 0x41])
        #expect(xpub.received(fromFrame, from: 2)?.frame == [0x01, 0x42])
        #expect(xpub.peers("AB") == [1] && xpub.peers("BA") == [2])
    }
}
