import Testing
@_spi(Engine) import ZMTPCore

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
private func message(_ frames: [UInt8]...) -> Message { Message(frames) }

@Suite struct RequestStateTests {
    @Test func strictAlternation() throws {
        var req = RequestState<Int>()
        #expect(throws: SocketStateError.noRequestSent) { try req.checkReceive() }
        let wire = try req.request(message(bytes("hello")), to: 1)
        #expect(wire.frames == [[], bytes("hello")], "the empty delimiter goes first, as libzmq sends 01 00 | 00 05 hello")
        #expect(throws: SocketStateError.requestPending) { try req.request(message(bytes("again")), to: 1) }
        try req.checkReceive()
        #expect(req.reply(message([], bytes("world")), from: 1)?.frames == [bytes("world")])
        #expect(!req.awaitingReply)
        #expect(throws: SocketStateError.noRequestSent) { try req.checkReceive() }
        _ = try req.request(message(bytes("next")), to: 2)
    }

    @Test func repliesFromOtherPeersOrWithoutDelimiterAreDropped() throws {
        var req = RequestState<Int>()
        _ = try req.request(message(bytes("q")), to: 1)
        #expect(req.reply(message([], bytes("from 2")), from: 2) == nil)
        #expect(req.reply(message(bytes("no delimiter")), from: 1) == nil)
        #expect(req.reply(message([]), from: 1) == nil, "a delimiter with no body")
        #expect(req.awaitingReply)
        #expect(req.reply(message([], bytes("a"), bytes("b")), from: 1)?.frames == [bytes("a"), bytes("b")])
        #expect(req.reply(message([], bytes("late")), from: 1) == nil, "no request outstanding")
    }

    @Test func aReplyFromAnyPeerOnceTheRequestPeerLeft() throws {
        var req = RequestState<Int>()
        _ = try req.request(message(bytes("q")), to: 1)
        req.peerRemoved(2)
        #expect(req.reply(message([], bytes("x")), from: 3) == nil)
        req.peerRemoved(1)
        #expect(req.reply(message([], bytes("x")), from: 3)?.frames == [bytes("x")])
    }

    @Test func relaxedResendsAndDropsTheOldReply() throws {
        var req = RequestState<Int>(options: .init(relaxed: true))
        _ = try req.request(message(bytes("first")), to: 1)
        _ = try req.request(message(bytes("second")), to: 2)
        #expect(req.reply(message([], bytes("reply to first")), from: 1) == nil)
        #expect(req.reply(message([], bytes("reply to second")), from: 2)?.frames == [bytes("reply to second")])
    }

    @Test func correlateCarriesTheRequestIDAsLibzmqDoes() throws {
        var req = RequestState<Int>(options: .init(relaxed: true, correlate: true), initialRequestID: 0xf4b0_dc51)
        let first = try req.request(message(bytes("a")), to: 1)
        #expect(first.frames == [[0x52, 0xdc, 0xb0, 0xf4], [], bytes("a")], "id + 1 in little-endian bytes, as captured")
        let second = try req.request(message(bytes("b")), to: 1)
        #expect(second[0].elementsEqual([0x53, 0xdc, 0xb0, 0xf4]))
        #expect(req.reply(message([0x52, 0xdc, 0xb0, 0xf4], [], bytes("old")), from: 1) == nil, "same peer, stale id")
        #expect(req.reply(message([], bytes("no id")), from: 1) == nil)
        #expect(req.reply(message([0x53, 0xdc, 0xb0, 0xf4], bytes("x"), bytes("y")), from: 1) == nil, "no delimiter after the id")
        #expect(req.reply(message([0x53, 0xdc, 0xb0, 0xf4], [], bytes("new")), from: 1)?.frames == [bytes("new")])
    }

    @Test func incomingValidationAsReqSession() throws {
        try RequestState<Int>.validateIncoming(message([], bytes("body")))
        try RequestState<Int>.validateIncoming(message([1, 2, 3, 4], [], bytes("body")))
        for bad in [message(bytes("body")), message([]), message([1, 2, 3, 4], []), message([1, 2, 3, 4], bytes("x"), bytes("y")),
                    message([1, 2, 3], [], bytes("x")), Message()] {
            #expect(throws: ZMTPError.self) { try RequestState<Int>.validateIncoming(bad) }
        }
    }
}

@Suite struct ReplyStateTests {
    @Test func envelopeIsStrippedAndRestored() throws {
        var rep = ReplyState<Int>()
        #expect(throws: SocketStateError.noRequestReceived) { try rep.checkSend() }
        // DEALER sends [x][y][][body1][body2]: REP returns the body, the reply gets [x][y][].
        let body = try rep.request(message(bytes("x"), bytes("y"), [], bytes("body1"), bytes("body2")), from: 7)
        #expect(body?.frames == [bytes("body1"), bytes("body2")])
        #expect(throws: SocketStateError.replyPending) { try rep.checkReceive() }
        #expect(throws: SocketStateError.replyPending) { try rep.request(message([], bytes("b")), from: 8) }
        let (peer, wire) = try rep.reply(message(bytes("reply")))
        #expect(peer == 7 && wire.frames == [bytes("x"), bytes("y"), [], bytes("reply")])
        #expect(throws: SocketStateError.noRequestReceived) { try rep.reply(message(bytes("again"))) }
    }

    @Test func directRequestHasOnlyTheDelimiter() throws {
        var rep = ReplyState<Int>()
        #expect(try rep.request(message([], bytes("hello")), from: 1)?.frames == [bytes("hello")])
        #expect(try rep.reply(message(bytes("world"))).message.frames == [[], bytes("world")])
    }

    @Test func malformedRequestsAreDroppedAndTheStateStays() throws {
        var rep = ReplyState<Int>()
        #expect(try rep.request(message(bytes("nodelim")), from: 1) == nil)
        #expect(try rep.request(message(bytes("id"), []), from: 1) == nil, "the delimiter must be followed by a body")
        #expect(try rep.request(Message(), from: 1) == nil)
        #expect(!rep.awaitingReply)
    }

    /// Through two proxies each adding a routing id: the whole stack goes back.
    @Test func multiHop() throws {
        var rep = ReplyState<Int>()
        let hop1: [UInt8] = [0x00, 0x6b, 0x8b, 0x45, 0x67]
        let hop2 = bytes("proxy-2")
        _ = try rep.request(message(hop2, hop1, [], bytes("ping")), from: 3)
        #expect(try rep.reply(message(bytes("pong"))).message.frames == [hop2, hop1, [], bytes("pong")])
    }
}
