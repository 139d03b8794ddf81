import Foundation
import TestSupport
import Testing
import ZMTP

/// DEALER and ROUTER against pyzmq over the four links of every pattern test (NULL and CURVE,
/// either side binding), through Fixtures/pattern_peer.py.
@Suite(.serialized) struct InteropRequestRoutingTests {
    @Test(arguments: PatternLink.all) func ourDealerToPyzmqRouter(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (dealer, _) = try link.join(.dealer, peer, "router", "ROUTER")
        defer { dealer.close() }
        try dealer.sendText("hi", "x")
        let request = try #require(peer.receive("router", timeoutMs: 10_000))
        #expect(request.dropFirst() == [Array("hi".utf8), Array("x".utf8)])
        #expect(peer.send("router", [request[0], Array("re".utf8)]))
        #expect(dealer.receiveText(10_000) == "re")
    }

    @Test(arguments: PatternLink.all) func pyzmqDealerToOurRouter(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (router, _) = try link.join(.router, peer, "dealer", "DEALER")
        defer { router.close() }
        #expect(peer.send("dealer", "hi", "x"))
        let request = try router.receive(timeout: .seconds(10))
        #expect(request.dropFirst() == [Array("hi".utf8), Array("x".utf8)])
        try router.send([request[0], Array("re".utf8)], timeout: .seconds(5))
        #expect(peer.receiveText("dealer", timeoutMs: 10_000) == ["re"])
    }

    @Test(arguments: PatternLink.all) func dealerToDealer(link: PatternLink) throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        let (dealer, _) = try link.join(.dealer, peer, "dealer", "DEALER")
        defer { dealer.close() }
        try dealer.sendText("to pyzmq")
        #expect(peer.receiveText("dealer", timeoutMs: 10_000) == ["to pyzmq"])
        #expect(peer.send("dealer", "to us"))
        #expect(dealer.receiveText(10_000) == "to us")
    }
}
