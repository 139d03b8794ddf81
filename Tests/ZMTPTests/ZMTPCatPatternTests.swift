import Foundation
import TestSupport
import Testing
import ZMTP

/// `zmtp cat` for every socket type beyond DEALER and ROUTER, end to end against pyzmq.
@Suite(.serialized) struct ZMTPCatPatternTests {
    static func cat(_ arguments: [String]) throws -> ChildProcess { try ZMTPCatTests.cat(arguments) }

    /// The messages a finished cat printed, without its own "zmtp cat:" lines.
    static func printed(_ cat: ChildProcess) -> [String] { cat.allLines.filter { !$0.hasPrefix("zmtp cat: ") } }

    @Test func pubSendsStdinLinesToAPyzmqSub() throws {
        let cat = try Self.cat(["--type", "PUB", "--bind", "tcp://127.0.0.1:0", "--timeout", "20"])
        defer { cat.stop() }
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("sub", "SUB")
        try peer.subscribe("sub", "news")
        try peer.connect("sub", try ZMTPCatTests.boundEndpoint(cat))
        // A publisher drops until the subscription arrives: publish until one gets through.
        #expect(waitUntil(timeout: 20) {
            cat.write("other\nnews 1\tpart\n")
            return peer.receiveText("sub", timeoutMs: 20) == ["news 1", "part"]
        })
    }

    @Test func subPrintsOnlyWhatItSubscribedTo() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("pub", "PUB")
        let cat = try Self.cat(["--type", "SUB", "--connect", try peer.bind("pub"), "--subscribe", "A", "--subscribe", "C",
                                "--count", "2", "--timeout", "20"])
        #expect(waitUntil(timeout: 20) {
            peer.send("pub", "B0", timeoutMs: 0)
            peer.send("pub", "A1", "x", timeoutMs: 0)
            peer.send("pub", "C2", timeoutMs: 0)
            return !cat.process.isRunning
        })
        #expect(cat.waitExit(timeout: 10) == 0, "\(cat.allLines)")
        #expect(Self.printed(cat).allSatisfy { $0 == "A1\tx" || $0 == "C2" }, "\(cat.allLines)")
    }

    @Test func xsubSendsItsSubscriptionsToAPyzmqXpub() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("xpub", "XPUB")
        let cat = try Self.cat(["--type", "XSUB", "--connect", try peer.bind("xpub"), "--subscribe", "A", "--count", "1", "--timeout", "20"])
        #expect(peer.receive("xpub", timeoutMs: 10_000) == [[1] + Array("A".utf8)])
        #expect(peer.send("xpub", "A1"))
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.waitLines("", count: 1) == ["A1"])
    }

    @Test func xpubPrintsAPyzmqSubscription() throws {
        let cat = try Self.cat(["--type", "XPUB", "--bind", "tcp://127.0.0.1:0", "--count", "1", "--timeout", "20"])
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("sub", "SUB")
        try peer.subscribe("sub", "A")
        try peer.connect("sub", try ZMTPCatTests.boundEndpoint(cat))
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.allLines.contains("\u{1}A"), "\(cat.allLines)")
    }

    @Test func reqSendsALineAndPrintsTheReply() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("rep", "REP")
        let cat = try Self.cat(["--type", "REQ", "--connect", try peer.bind("rep"), "--count", "2", "--timeout", "20"])
        cat.write("first\tpart\nsecond\n")
        #expect(peer.call("echo rep 2 10000") == "OK")
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.waitLines("", count: 2) == ["first\tpart", "second"])
    }

    @Test(arguments: ["REP", "PAIR"]) func echoAnswersAPyzmqPeer(type: String) throws {
        let cat = try Self.cat(["--type", type, "--bind", "tcp://127.0.0.1:0", "--echo", "--count", "2", "--timeout", "20"])
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("them", type == "REP" ? "REQ" : "PAIR")
        try peer.connect("them", try ZMTPCatTests.boundEndpoint(cat))
        for i in 0..<2 {
            #expect(peer.send("them", "ping \(i)", "x"))
            #expect(peer.receiveText("them", timeoutMs: 10_000) == ["ping \(i)", "x"])
        }
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(Self.printed(cat) == ["ping 0\tx", "ping 1\tx"])
    }

    @Test func pushSendsEveryLineToAPyzmqPull() throws {
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("pull", "PULL")
        let cat = try Self.cat(["--type", "PUSH", "--connect", try peer.bind("pull"), "--timeout", "20"])
        cat.write("one\ntwo\tframes\n")
        #expect(peer.receiveText("pull", timeoutMs: 10_000) == ["one"])
        #expect(peer.receiveText("pull", timeoutMs: 10_000) == ["two", "frames"])
        cat.stop()
        #expect(cat.process.terminationStatus == 0, "\(cat.allLines)")
    }

    @Test func pullPrintsWhatAPyzmqPushSends() throws {
        let cat = try Self.cat(["--type", "PULL", "--bind", "tcp://127.0.0.1:0", "--count", "2", "--timeout", "20"])
        let peer = try PatternPeer()
        defer { peer.stop() }
        try peer.socket("push", "PUSH")
        try peer.connect("push", try ZMTPCatTests.boundEndpoint(cat))
        #expect(peer.send("push", "job 1"))
        #expect(peer.send("push", "job 2", "more"))
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(Self.printed(cat) == ["job 1", "job 2\tmore"])
    }
}
