import Testing
@_spi(Engine) import ZMTPCore

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
private func message(_ frames: String...) -> Message { Message(frames.map(bytes)) }

@Suite struct SocketTypeMatrixTests {
    /// The RFC 23/37 matrix, pair by pair: exactly these 22 ordered pairs talk.
    @Test func matrixMatchesTheRFC() {
        let allowed: Set<String> = [
            "REQ-REP", "REQ-ROUTER", "REP-REQ", "REP-DEALER",
            "DEALER-REP", "DEALER-DEALER", "DEALER-ROUTER", "ROUTER-REQ", "ROUTER-DEALER", "ROUTER-ROUTER",
            "PUB-SUB", "PUB-XSUB", "XPUB-SUB", "XPUB-XSUB", "SUB-PUB", "SUB-XPUB", "XSUB-PUB", "XSUB-XPUB",
            "PUSH-PULL", "PULL-PUSH", "PAIR-PAIR",
        ]
        for local in SocketType.allCases {
            for peer in SocketType.allCases {
                let key = "\(local.rawValue)-\(peer.rawValue)"
                #expect(local.isCompatible(with: peer) == allowed.contains(key), "\(key)")
                #expect(local.accepts(peer.rawValue) == allowed.contains(key), "\(key)")
                #expect(local.isCompatible(with: peer) == peer.isCompatible(with: local), "the matrix is symmetric: \(key)")
            }
        }
        #expect(SocketType.allCases.count == 11)
        #expect(!SocketType.pub.accepts("CLIENT") && !SocketType.pair.accepts("pair"), "unknown and lower-case names are refused")
    }
}

@Suite struct SubscriptionWireTests {
    @Test func commandFormMatchesLibzmqCapture() {
        // From ZMTP-PATTERNS-DIGEST.md section 3, without the frame header.
        #expect(Subscription(.subscribe, bytes("A")).command.encoded() == [0x09] + bytes("SUBSCRIBEA"))
        #expect(Subscription(.subscribe, []).command.encoded() == [0x09] + bytes("SUBSCRIBE"))
        #expect(Subscription(.cancel, bytes("A")).command.encoded() == [0x06] + bytes("CANCELA"))
    }

    @Test func messageFormMatchesLibzmqCapture() {
        #expect(Subscription(.subscribe, bytes("A")).frame == [0x01, 0x41])
        #expect(Subscription(.subscribe, []).frame == [0x01])
        #expect(Subscription(.cancel, bytes("A")).frame == [0x00, 0x41])
    }

    @Test func wireFormFollowsThePeerVersion() {
        let s = Subscription(.subscribe, bytes("T"))
        #expect(s.wireForm(for: Greeting(major: 3, minor: 1, mechanism: "NULL")) == .command(s.command))
        #expect(s.wireForm(for: Greeting(major: 3, minor: 2, mechanism: "NULL")) == .command(s.command))
        #expect(s.wireForm(for: Greeting(major: 4, minor: 0, mechanism: "NULL")) == .command(s.command), "libzmq takes later revisions for 3.1")
        #expect(s.wireForm(for: Greeting(major: 3, minor: 0, mechanism: "NULL")) == .frame([0x01, 0x54]))
    }

    @Test func bothFormsDecode() throws {
        for s in [Subscription(.subscribe, bytes("news")), Subscription(.cancel, []), Subscription(.cancel, [0, 1, 2])] {
            #expect(Subscription(command: s.command) == s)
            #expect(try Subscription(command: Command.decode(s.command.encoded())) == s)
            #expect(Subscription(frame: s.frame[...]) == s)
        }
    }

    @Test func otherCommandsAndDataAreNotSubscriptions() throws {
        #expect(try Subscription.received(Command.ping(ttlDeciseconds: 0), by: .xpub) == nil)
        #expect(try Subscription.received(Command.ping(ttlDeciseconds: 0), by: .sub) == nil)
        #expect(Subscription(command: Command(name: "subscribe", data: bytes("A"))) == nil, "names are case-sensitive")
        #expect(Subscription(frame: [][...]) == nil, "an empty frame is upstream data")
        #expect(Subscription(frame: [0x02, 0x41][...]) == nil)
        #expect(Subscription(frame: bytes("hello")[...]) == nil)
    }

    @Test func onlyPublishersTakeSubscriptionCommands() throws {
        let s = Subscription(.subscribe, bytes("A"))
        #expect(try Subscription.received(s.command, by: .pub) == s)
        #expect(try Subscription.received(Subscription(.cancel, []).command, by: .xpub) == Subscription(.cancel, []))
        for type in SocketType.allCases where type != .pub && type != .xpub {
            #expect(throws: ZMTPError.self, "\(type)") { try Subscription.received(s.command, by: type) }
        }
    }

    @Test func malformedCommandBodiesAreTypedErrors() {
        #expect(throws: ZMTPError.self) { try Command.decode([UInt8]()) }
        #expect(throws: ZMTPError.self) { try Command.decode([0x09] + bytes("SUBSC")) }
        #expect(throws: ZMTPError.self) { try Command.decode([0x00, 0x41]) }
    }
}

@Suite struct RoutingStrategyTests {
    @Test func roundRobinRotatesPerMessage() {
        var rr = RoundRobin<Int>()
        for p in 1...3 { rr.add(p) }
        let picks = (0..<6).map { _ in rr.next { _ in true } }
        #expect(picks == [1, 2, 3, 1, 2, 3])
    }

    @Test func loadBalancingSkipsFullPeers() {
        var rr = RoundRobin<Int>()
        for p in 1...3 { rr.add(p) }
        let full: Set<Int> = [2]
        let picks = (0..<4).map { _ in rr.next { !full.contains($0) } }
        #expect(picks == [1, 3, 1, 3])
        #expect(rr.next { _ in false } == nil, "no peer can take it: the caller waits (or EAGAIN)")
        #expect(rr.next { _ in true } == 1, "nothing moved while none was ready")
    }

    @Test func fairQueueTakesOneMessagePerReadyPeerInTurn() {
        // Two senders with three messages each arrive interleaved, as libzmq's fq_t does.
        var queues: [Int: [String]] = [1: ["A0", "A1", "A2"], 2: ["B0", "B1", "B2"]]
        var rr = RoundRobin<Int>()
        rr.add(1)
        rr.add(2)
        var order: [String] = []
        while let peer = rr.next(where: { !(queues[$0]?.isEmpty ?? true) }) {
            order.append(queues[peer]!.removeFirst())
        }
        #expect(order == ["A0", "B0", "A1", "B1", "A2", "B2"])
    }

    @Test func removingAPeerKeepsTheTurn() {
        var rr = RoundRobin<Int>()
        for p in 1...4 { rr.add(p) }
        #expect(rr.next { _ in true } == 1)
        #expect(rr.next { _ in true } == 2)
        rr.remove(1)
        #expect(rr.next { _ in true } == 3)
        rr.remove(4)
        #expect(rr.next { _ in true } == 2)
        rr.remove(2)
        rr.remove(3)
        #expect(rr.next { _ in true } == nil && rr.peers.isEmpty)
        rr.add(9)
        #expect(rr.next { _ in true } == 9)
    }

    @Test func routingIDsAsLibzmqAssignsThem() {
        var table = RoutingTable<Int>(firstGeneratedID: 0x6b8b_4567)
        #expect(table.attach(1, identity: []) == .routed(id: [0x00, 0x6b, 0x8b, 0x45, 0x67]))
        #expect(table.attach(2, identity: []) == .routed(id: [0x00, 0x6b, 0x8b, 0x45, 0x68]))
        #expect(table.attach(3, identity: bytes("abc")) == .routed(id: bytes("abc")))
        #expect(table.peer(for: bytes("abc")[...]) == 3 && table.id(of: 1) == [0x00, 0x6b, 0x8b, 0x45, 0x67])
        #expect(table.peer(for: ([0x09] + bytes("abc")).dropFirst()) == 3, "a frame slice that does not start at 0 finds it")
        #expect(table.attach(4, identity: bytes("abc")) == .duplicate(id: bytes("abc")), "a duplicate id is ignored")
        #expect(table.peer(for: bytes("abc")[...]) == 3 && table.id(of: 4) == nil)
        table.detach(3)
        #expect(table.peer(for: bytes("abc")[...]) == nil && table.count == 2)
        table.detach(4)
        #expect(table.count == 2)
    }

    @Test func generatedIDsSkipTakenOnesAndWrap() {
        var table = RoutingTable<Int>(firstGeneratedID: .max)
        #expect(table.attach(1, identity: [0x00, 0xff, 0xff, 0xff, 0xff]) == .routed(id: [0x00, 0xff, 0xff, 0xff, 0xff]))
        #expect(table.attach(2, identity: []) == .routed(id: [0, 0, 0, 0, 0]))
    }

    @Test func handoverGivesTheIDToTheNewPeer() {
        var table = RoutingTable<Int>(handover: true, firstGeneratedID: 0)
        _ = table.attach(1, identity: bytes("w"))
        #expect(table.attach(2, identity: bytes("w")) == .handedOver(id: bytes("w"), previous: 1))
        #expect(table.peer(for: bytes("w")[...]) == 2 && table.id(of: 1) == nil)
        table.detach(1)
        #expect(table.peer(for: bytes("w")[...]) == 2, "the old peer leaving does not take the id back")
    }
}
