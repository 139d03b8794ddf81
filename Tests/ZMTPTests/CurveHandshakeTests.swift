import Logging
import Synchronization
import Testing
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

// In-memory CURVE: commands pass between a CurveClient and a CurveServer as encoded bodies, and
// traffic as wire frames, with no sockets.

private func context(_ socketType: String, identity: [UInt8]? = nil,
                     validate: @escaping (Metadata) throws -> Void = { _ in }) -> HandshakeContext {
    var props: [(name: String, value: [UInt8])] = [("Socket-Type", Array(socketType.utf8))]
    if let identity { props.append(("Identity", identity)) }
    return HandshakeContext(localMetadata: Metadata(props), validatePeer: validate)
}

/// Decodes a command body as the engine does and hands it to the mechanism.
private func deliver(_ body: [UInt8], to m: SecurityMechanism) throws -> [[UInt8]] {
    try m.receive(Command.decode(body)).map { $0.encoded() }
}

private struct Transcript { var hello, welcome, initiate, ready: [UInt8] }

private struct Peers {
    let serverPair = CurveKeyPair.generate()
    let clientPair: CurveKeyPair
    let client: CurveClient
    let server: CurveServer

    init(clientPair: CurveKeyPair = .generate(), authorizer: CurveAuthorizer? = nil, logger: Logger? = nil,
         clientContext: HandshakeContext = context("DEALER", identity: Array("node1".utf8)),
         serverContext: HandshakeContext = context("ROUTER"), serverKeyForClient: CurvePublicKey? = nil) {
        self.clientPair = clientPair
        client = CurveClient(context: clientContext, serverKey: serverKeyForClient ?? serverPair.publicKey, keyPair: clientPair)
        server = CurveServer(context: serverContext, secretKey: serverPair.secretKey, authorizer: authorizer, logger: logger)
    }

    func hello() throws -> [UInt8] {
        #expect(try server.start().isEmpty)
        return try #require(try client.start().first).encoded()
    }
    func welcome(_ hello: [UInt8]) throws -> [UInt8] { try #require(try deliver(hello, to: server).first) }
    func initiate(_ welcome: [UInt8]) throws -> [UInt8] { try #require(try deliver(welcome, to: client).first) }
    func ready(_ initiate: [UInt8]) throws -> [UInt8] { try #require(try deliver(initiate, to: server).first) }

    @discardableResult
    func handshake() throws -> Transcript {
        let h = try hello(), w = try welcome(h), i = try initiate(w), r = try ready(i)
        #expect(try deliver(r, to: client).isEmpty)
        return Transcript(hello: h, welcome: w, initiate: i, ready: r)
    }
}

private func send(_ m: SecurityMechanism, _ body: [UInt8], more: Bool = false, command: Bool = false) throws -> [UInt8] {
    var out: [UInt8] = []
    try body.withUnsafeBytes { try m.encodeFrame($0, more: more, command: command, into: &out) }
    return out
}

/// Splits one wire frame into its raw flags byte and body.
private func parse(_ wire: [UInt8]) -> (flags: UInt8, body: [UInt8]) {
    if wire[0] & WireFrame.long != 0 {
        let size = Int(wire.readBE(at: 1, count: 8))
        #expect(wire.count == 9 + size)
        return (wire[0], Array(wire[9...]))
    }
    #expect(wire.count == 2 + Int(wire[1]))
    return (wire[0], Array(wire[2...]))
}

private func receive(_ m: SecurityMechanism, _ wire: [UInt8], outerFlags: UInt8? = nil) throws -> WireFrame {
    let (flags, body) = parse(wire)
    return try m.decodeFrame(WireFrame(flags: outerFlags ?? flags, body: body))
}

private func flipped(_ bytes: [UInt8], at offset: Int) -> [UInt8] {
    var b = bytes
    b[offset] ^= 0x20
    return b
}

/// Collects log lines so the refusal line (debug: the socket summarises refusals) can be checked.
private final class LogStore: Sendable {
    let lines = Mutex<[String]>([])
}

private struct CapturingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let md = (event.metadata ?? [:]).map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(md)") }
    }
}

@Suite struct CurveHandshakeTests {
    // MARK: success and byte layout

    @Test func handshakeExchangesMetadataBothWays() throws {
        let peers = Peers()
        try peers.handshake()
        #expect(peers.client.isComplete && peers.server.isComplete)
        #expect(peers.server.peerMetadata.socketType == "DEALER")
        #expect(peers.server.peerMetadata.identity == Array("node1".utf8))
        #expect(peers.client.peerMetadata.socketType == "ROUTER")
        #expect(peers.server.clientKey == peers.clientPair.publicKey)
        #expect(peers.client.name == "CURVE" && peers.server.name == "CURVE")
    }

    @Test func commandsHaveLibzmqSizesAndLayout() throws {
        let peers = Peers()
        let t = try peers.handshake()
        let clientMeta = context("DEALER", identity: Array("node1".utf8)).localMetadata.encoded().count
        let serverMeta = context("ROUTER").localMetadata.encoded().count

        #expect(t.hello.count == 200)
        #expect(Array(t.hello[0..<8]) == [5] + Array("HELLO".utf8) + [1, 0])
        #expect(t.hello[8..<80].allSatisfy { $0 == 0 })
        #expect(t.hello.readBE(at: 112, count: 8) == 1)

        #expect(t.welcome.count == 168)
        #expect(Array(t.welcome[0..<8]) == [7] + Array("WELCOME".utf8))

        #expect(t.initiate.count == 257 + clientMeta)
        #expect(Array(t.initiate[0..<9]) == [8] + Array("INITIATE".utf8))
        #expect(t.initiate.readBE(at: 105, count: 8) == 2)

        #expect(t.ready.count == 30 + serverMeta)
        #expect(Array(t.ready[0..<6]) == [5] + Array("READY".utf8))
        #expect(t.ready.readBE(at: 6, count: 8) == 1)

        // Traffic: client nonces continue at 3, server's at 2; outer flags 0, size 33 + N.
        let c1 = try send(peers.client, Array("abc".utf8), more: true)
        #expect(c1[0] == 0 && Int(c1[1]) == 33 + 3)
        #expect(Array(c1[2..<10]) == [7] + Array("MESSAGE".utf8))
        #expect(c1.readBE(at: 10, count: 8) == 3)
        #expect(try send(peers.client, []).readBE(at: 10, count: 8) == 4)
        let s1 = try send(peers.server, [])
        #expect(s1.count == 2 + 33 && s1.readBE(at: 10, count: 8) == 2)
        let long = try send(peers.server, [UInt8](repeating: 7, count: 300), more: true)
        #expect(long[0] == WireFrame.long && long.readBE(at: 1, count: 8) == 333)
    }

    @Test func messagesFlowBothWaysWithFlags() throws {
        let peers = Peers()
        try peers.handshake()
        let hello = try receive(peers.server, send(peers.client, Array("hello".utf8), more: true))
        #expect(hello == WireFrame(flags: WireFrame.more, body: Array("hello".utf8)))
        let empty = try receive(peers.server, send(peers.client, []))
        #expect(empty == WireFrame(flags: 0, body: []))
        let ping = Command.ping(ttlDeciseconds: 20).encoded()
        let decodedPing = try receive(peers.client, send(peers.server, ping, command: true))
        #expect(decodedPing.flags == WireFrame.command && decodedPing.body == ping)
        let reply = try receive(peers.client, send(peers.server, Array("world".utf8)))
        #expect(reply == WireFrame(flags: 0, body: Array("world".utf8)))
    }

    @Test func fourMebibyteMessageRoundTrips() throws {
        let peers = Peers()
        try peers.handshake()
        var big = [UInt8](repeating: 0, count: 4 << 20)
        for i in big.indices { big[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 9) }
        let wire = try send(peers.client, big)
        #expect(wire.count == 9 + 33 + big.count)
        #expect(try receive(peers.server, wire).body == big)
        #expect(try receive(peers.client, send(peers.server, big, more: true)) == WireFrame(flags: WireFrame.more, body: big))
    }

    @Test func outerCommandFlagIsAcceptedOnMessages() throws {
        let peers = Peers()
        try peers.handshake()
        let frame = try receive(peers.server, send(peers.client, [1, 2]), outerFlags: WireFrame.command)
        #expect(frame == WireFrame(flags: 0, body: [1, 2]))
    }

    // MARK: tampering, truncation and sizes

    /// Runs a fresh handshake up to `step`, alters that command with `alter`, and expects the receiver to throw.
    private func expectRefused(step: Int, _ alter: ([UInt8]) -> [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let peers = Peers()
        var body = try peers.hello()
        if step >= 1 { body = try peers.welcome(body) }
        if step >= 2 { body = try peers.initiate(body) }
        if step >= 3 { body = try peers.ready(body) }
        let receiver: SecurityMechanism = step % 2 == 0 ? peers.server : peers.client
        // Some alterations already fail the command codec, the engine's first line of defence.
        guard let command = try? Command.decode(alter(body)) else { return }
        #expect(throws: (any Error).self, sourceLocation: sourceLocation) { _ = try receiver.receive(command) }
        #expect(!receiver.isComplete, sourceLocation: sourceLocation)
        // A failed mechanism stays failed: it cannot be resumed with the genuine command.
        #expect(throws: (any Error).self, sourceLocation: sourceLocation) { _ = try deliver(body, to: receiver) }
    }

    @Test(arguments: [
        (0, [1, 6, 7, 80, 111, 112, 119, 120, 150, 199]),          // HELLO: name, version, C', nonce, box
        (1, [1, 8, 23, 24, 60, 167]),                               // WELCOME: name, nonce, box
        (2, [1, 9, 24, 25, 104, 105, 112, 113, 145, 200, 256]),     // INITIATE: name, cookie, nonce, box
        (3, [1, 6, 13, 14, 29]),                                    // READY: name, nonce, box
    ])
    func oneFlippedByteIsRefused(step: Int, offsets: [Int]) throws {
        for offset in offsets {
            try expectRefused(step: step) { flipped($0, at: offset) }
        }
    }

    @Test(arguments: [0, 1, 2, 3])
    func truncatedOrResizedCommandsAreRefused(step: Int) throws {
        try expectRefused(step: step) { Array($0.dropLast()) }
        try expectRefused(step: step) { $0 + [0] }
        try expectRefused(step: step) { Array($0.prefix(9)) }
        try expectRefused(step: step) { Array($0.prefix(1)) }
    }

    @Test func commandSizesAreCheckedFirst() throws {
        let server = Peers().server
        #expect(throws: ZMTPError.malformedCommand("CURVE HELLO must be 200 bytes, got 199")) {
            try server.receive(Command(name: "HELLO", data: [UInt8](repeating: 0, count: 193)))
        }
        let client = Peers().client
        _ = try client.start()
        #expect(throws: ZMTPError.malformedCommand("CURVE WELCOME must be 168 bytes, got 169")) {
            try client.receive(Command(name: "WELCOME", data: [UInt8](repeating: 0, count: 161)))
        }
        let peers = Peers()
        _ = try peers.welcome(peers.hello())
        #expect(throws: ZMTPError.malformedCommand("CURVE INITIATE must be at least 257 bytes, got 256")) {
            try peers.server.receive(Command(name: "INITIATE", data: [UInt8](repeating: 0, count: 247)))
        }
        let p2 = Peers()
        _ = try p2.initiate(p2.welcome(p2.hello()))
        #expect(throws: ZMTPError.malformedCommand("CURVE READY must be at least 30 bytes, got 29")) {
            try p2.client.receive(Command(name: "READY", data: [UInt8](repeating: 0, count: 23)))
        }
    }

    @Test func helloWithAnotherVersionIsRefused() throws {
        let peers = Peers()
        var hello = try peers.hello()
        hello[7] = 1  // version 1.1
        #expect(throws: ZMTPError.handshakeFailed("CURVE version 1.1 is not supported (only 1.0)")) { try deliver(hello, to: peers.server) }
    }

    // MARK: ordering

    @Test func commandsOutOfOrderAreRefused() throws {
        let p1 = Peers()
        let hello = try p1.hello()
        _ = try p1.welcome(hello)
        #expect(throws: ZMTPError.self) { try deliver(hello, to: p1.server) }  // second HELLO

        let p2 = Peers()
        #expect(throws: ZMTPError.self) { try p2.server.receive(Command(name: "INITIATE", data: [UInt8](repeating: 0, count: 300))) }
        let p3 = Peers()
        #expect(throws: ZMTPError.self) { try p3.server.receive(Command(name: "MESSAGE", data: [UInt8](repeating: 0, count: 40))) }

        let p4 = Peers()
        _ = try p4.hello()
        #expect(throws: ZMTPError.self) { try p4.client.receive(Command(name: "READY", data: [UInt8](repeating: 0, count: 40))) }
        let p5 = Peers()
        #expect(throws: ZMTPError.self) { try p5.client.receive(Command(name: "WELCOME", data: [UInt8](repeating: 0, count: 160))) }
        #expect(throws: ZMTPError.self) { _ = try p5.client.start(); _ = try p5.client.start() }

        let p6 = Peers()
        let t = try p6.handshake()
        #expect(throws: ZMTPError.self) { try deliver(t.ready, to: p6.client) }     // READY after completion
        #expect(throws: ZMTPError.self) { try deliver(t.initiate, to: p6.server) }  // INITIATE after completion
    }

    @Test func messagesBeforeTheHandshakeCompletesAreRefused() throws {
        let peers = Peers()
        #expect(throws: ZMTPError.self) { try send(peers.client, [1]) }
        #expect(throws: ZMTPError.self) { try send(peers.server, [1]) }
        let initiate = try peers.initiate(peers.welcome(peers.hello()))
        // The client has sent INITIATE but not yet received READY: it must still wait.
        #expect(throws: ZMTPError.self) { try send(peers.client, [1]) }
        #expect(throws: ZMTPError.self) { try peers.client.decodeFrame(WireFrame(body: [UInt8](repeating: 0, count: 40))) }
        let ready = try peers.ready(initiate)
        #expect(peers.server.isComplete && !peers.client.isComplete)
        let early = try send(peers.server, [9])
        _ = try deliver(ready, to: peers.client)
        #expect(try receive(peers.client, early).body == [9])
    }

    // MARK: nonces

    @Test func replayedMessageIsRefused() throws {
        let peers = Peers()
        try peers.handshake()
        let m = try send(peers.client, [1])
        _ = try receive(peers.server, m)
        #expect(throws: ZMTPError.badMessage("MESSAGE nonce 3 is not above the last accepted 3: replayed or reordered")) {
            try receive(peers.server, m)
        }
    }

    @Test func reorderedMessagesAreRefused() throws {
        let peers = Peers()
        try peers.handshake()
        let m1 = try send(peers.server, [1]), m2 = try send(peers.server, [2])
        _ = try receive(peers.client, m2)
        #expect(throws: ZMTPError.badMessage("MESSAGE nonce 2 is not above the last accepted 3: replayed or reordered")) {
            try receive(peers.client, m1)
        }
    }

    @Test func nonceGapIsAccepted() throws {
        let peers = Peers()
        try peers.handshake()
        _ = try send(peers.client, [1])
        _ = try send(peers.client, [2])
        #expect(try receive(peers.server, send(peers.client, [3])).body == [3])
        #expect(try receive(peers.server, send(peers.client, [4])).body == [4])
    }

    @Test func handshakeNonceCannotBeReusedForMessages() throws {
        // The server's READY used nonce 1; a MESSAGE with nonce 1 must be refused by the client.
        let peers = Peers()
        try peers.handshake()
        var forged = try send(peers.server, [5])
        for i in 10..<18 { forged[i] = i == 17 ? 1 : 0 }
        #expect(throws: ZMTPError.self) { try receive(peers.client, forged) }
    }

    @Test func tamperedOrForeignFramesAreRefused() throws {
        let peers = Peers()
        try peers.handshake()
        let m = try send(peers.client, Array("payload".utf8))
        for offset in [3, 12, 20, 30, m.count - 1] {
            #expect(throws: ZMTPError.self) { try receive(peers.server, flipped(m, at: offset)) }
        }
        #expect(throws: ZMTPError.self) { try peers.server.decodeFrame(WireFrame(body: Array(m[2..<34]))) }  // 32 bytes
        #expect(throws: ZMTPError.self) { try peers.server.decodeFrame(WireFrame(flags: WireFrame.command, body: Command.ping(ttlDeciseconds: 1).encoded())) }
        #expect(throws: ZMTPError.self) { try peers.server.decodeFrame(WireFrame(body: Array("plain text that is not a box at all".utf8))) }
        // A frame the server itself sealed cannot be reflected back to it (other direction's prefix).
        let reflected = try send(peers.server, [1, 2, 3])
        #expect(throws: ZMTPError.self) { try receive(peers.server, reflected) }
        // After all that the genuine message still opens: failed attempts do not advance the nonce.
        #expect(try receive(peers.server, m).body == Array("payload".utf8))
    }

    // MARK: cookies, vouches and keys

    @Test func alteredCookieInInitiateIsRefused() throws {
        let peers = Peers()
        let initiate = try peers.initiate(peers.welcome(peers.hello()))
        for offset in [9, 30, 104] {
            let p = Peers()
            let i = try p.initiate(p.welcome(p.hello()))
            #expect(throws: ZMTPError.self) { try deliver(flipped(i, at: offset), to: p.server) }
        }
        // A genuine cookie from another connection of the same server is refused too.
        let p2 = Peers()
        _ = try p2.welcome(p2.hello())
        #expect(throws: ZMTPError.self) { try deliver(initiate, to: p2.server) }
    }

    @Test func wrongServerKeyShowsOnBothSides() throws {
        let wrong = CurveKeyPair.generate().publicKey
        // The server cannot open the HELLO signature made for another key.
        let peers = Peers(serverKeyForClient: wrong)
        let hello = try peers.hello()
        #expect(throws: ZMTPError.self) { try deliver(hello, to: peers.server) }

        // The client cannot open a WELCOME sealed by the real server key.
        let clientTransient = Array(hello[80..<112])
        let box = Sodium.seal([UInt8](repeating: 0, count: 128), nonce: Sodium.nonce(CurveWire.welcomePrefix, [UInt8](repeating: 3, count: 16)),
                              to: clientTransient, from: peers.serverPair.secretKey.storage)
        let welcome = Command(name: "WELCOME", data: [UInt8](repeating: 3, count: 16) + box)
        #expect(throws: ZMTPError.handshakeFailed("server key mismatch or corrupted WELCOME")) { try peers.client.receive(welcome) }
    }

    @Test func handBuiltClientCompletesAndVouchForAnotherTransientIsRefused() throws {
        // Genuine layout, built here from the spec with libsodium: accepted.
        let good = Peers()
        #expect(throws: Never.self) { try HandBuiltClient(server: good.server, serverKey: good.serverPair.publicKey).run(vouchFor: nil) }
        #expect(good.server.isComplete)
        // The vouch names a transient key other than the one in HELLO: refused.
        let bad = Peers()
        #expect(throws: ZMTPError.handshakeFailed("INITIATE vouch names another transient key or another server")) {
            try HandBuiltClient(server: bad.server, serverKey: bad.serverPair.publicKey).run(vouchFor: Sodium.keyPair().publicKey)
        }
        #expect(bad.server.clientKey == nil)
        // The vouch names another server: refused (stricter than libzmq).
        let other = Peers()
        #expect(throws: ZMTPError.handshakeFailed("INITIATE vouch names another transient key or another server")) {
            try HandBuiltClient(server: other.server, serverKey: other.serverPair.publicKey).run(vouchFor: nil, vouchServer: CurveKeyPair.generate().publicKey.bytes)
        }
    }

    // MARK: authorization and peer validation

    @Test func unauthorizedClientIsRefusedWith400AndLogged() throws {
        let store = LogStore()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(store: store) }
        let peers = Peers(authorizer: CurveAuthorizer(allowed: [CurveKeyPair.generate().publicKey]), logger: logger)
        let initiate = try peers.initiate(peers.welcome(peers.hello()))
        var thrown: Error?
        do { _ = try deliver(initiate, to: peers.server) } catch { thrown = error }
        let error = try #require(thrown)
        #expect(error as? ZMTPError == .handshakeFailed("client key \(peers.clientPair.publicKey.z85) is not authorized"))
        let refusal = try #require(peers.server.refusal(for: error))
        #expect(refusal.encoded() == [5] + Array("ERROR".utf8) + [3] + Array("400".utf8))
        #expect(peers.server.clientKey == peers.clientPair.publicKey)
        #expect(store.lines.withLock { $0 }.contains { $0.hasPrefix("debug") && $0.contains(peers.clientPair.publicKey.z85) })
        // The client reports the ERROR as the peer's refusal.
        #expect(throws: ZMTPError.peerError(reason: "400")) { try peers.client.receive(refusal) }
    }

    @Test func otherFailuresSendNoError() throws {
        let peers = Peers()
        var thrown: Error?
        do { _ = try peers.server.receive(Command(name: "HELLO", data: [])) } catch { thrown = error }
        #expect(peers.server.refusal(for: try #require(thrown)) == nil)
        #expect(peers.client.refusal(for: ZMTPError.handshakeTimeout) == nil)
    }

    @Test func clientHandlesErrorDuringHandshake() throws {
        let peers = Peers()
        _ = try peers.hello()
        #expect(throws: ZMTPError.peerError(reason: "500")) { try peers.client.receive(Command.error("500")) }
        let p2 = Peers()
        _ = try p2.hello()
        #expect(throws: ZMTPError.self) { try p2.client.receive(Command(name: "ERROR", data: [9, 1])) }
        // A client never sends ERROR; a server does not accept one.
        let p3 = Peers()
        #expect(throws: ZMTPError.self) { try p3.server.receive(Command.error("400")) }
    }

    @Test func replacedAllowListAppliesToTheNextHandshake() throws {
        let alice = CurveKeyPair.generate(), bob = CurveKeyPair.generate()
        let authorizer = CurveAuthorizer(allowed: [alice.publicKey])
        #expect(throws: ZMTPError.self) { try Peers(clientPair: bob, authorizer: authorizer).handshake() }
        #expect(throws: Never.self) { try Peers(clientPair: alice, authorizer: authorizer).handshake() }
        authorizer.replaceAllowed([alice.publicKey, bob.publicKey])
        #expect(throws: Never.self) { try Peers(clientPair: bob, authorizer: authorizer).handshake() }
        authorizer.replaceAllowed([])
        #expect(throws: ZMTPError.self) { try Peers(clientPair: alice, authorizer: authorizer).handshake() }
    }

    @Test func validatePeerErrorsPropagate() throws {
        let refuse: (Metadata) throws -> Void = { m in
            throw ZMTPError.incompatibleSocketType(local: "PUB", peer: m.socketType ?? "?")
        }
        let server = Peers(serverContext: context("PUB", validate: refuse))
        let i = try server.initiate(server.welcome(server.hello()))
        #expect(throws: ZMTPError.incompatibleSocketType(local: "PUB", peer: "DEALER")) { try deliver(i, to: server.server) }
        #expect(!server.server.isComplete)
        #expect(server.server.refusal(for: ZMTPError.incompatibleSocketType(local: "PUB", peer: "DEALER")) == nil)

        let client = Peers(clientContext: context("SUB", validate: refuse))
        let r = try client.ready(client.initiate(client.welcome(client.hello())))
        #expect(throws: ZMTPError.incompatibleSocketType(local: "PUB", peer: "ROUTER")) { try deliver(r, to: client.client) }
        #expect(!client.client.isComplete)
    }

    @Test func malformedMetadataInsideTheBoxIsRefused() throws {
        let peers = Peers(clientContext: HandshakeContext(localMetadata: Metadata(), validatePeer: { _ in }))
        try peers.handshake()
        #expect(peers.server.peerMetadata == Metadata())
        // A hand-built client whose INITIATE metadata is a dangling name length.
        let p2 = Peers()
        #expect(throws: ZMTPError.self) {
            try HandBuiltClient(server: p2.server, serverKey: p2.serverPair.publicKey).run(vouchFor: nil, metadata: [5, 65])
        }
    }
}

/// A CURVE client assembled by hand from the RFC 26 layouts with libsodium, to check the server
/// against an independent encoding and to forge what CurveClient would never send.
private struct HandBuiltClient {
    let server: CurveServer
    let serverKey: CurvePublicKey
    let longTerm = CurveKeyPair.generate()
    let transient = Sodium.keyPair()

    func run(vouchFor vouchTransient: [UInt8]?, vouchServer: [UInt8]? = nil, metadata: [UInt8]? = nil) throws {
        var hello: [UInt8] = [1, 0] + [UInt8](repeating: 0, count: 72) + transient.publicKey + [0, 0, 0, 0, 0, 0, 0, 1]
        hello += Sodium.seal([UInt8](repeating: 0, count: 64), nonce: Array("CurveZMQHELLO---".utf8) + [0, 0, 0, 0, 0, 0, 0, 1],
                             to: serverKey.bytes, from: transient.secretKey)
        let welcome = try #require(try server.receive(Command(name: "HELLO", data: hello)).first)
        #expect(welcome.name == "WELCOME" && welcome.data.count == 160)
        let plain = try #require(Sodium.open(welcome.data[16...], nonce: Array("WELCOME-".utf8) + welcome.data[0..<16],
                                             from: serverKey.bytes, to: transient.secretKey))
        let serverTransient = Array(plain[0..<32]), cookie = Array(plain[32..<128])

        let vouchNonce = [UInt8](repeating: 0x56, count: 16)
        let vouch = Sodium.seal((vouchTransient ?? transient.publicKey) + (vouchServer ?? serverKey.bytes),
                                nonce: Array("VOUCH---".utf8) + vouchNonce, to: serverTransient, from: longTerm.secretKey.storage)
        let meta = metadata ?? Metadata([("Socket-Type", Array("DEALER".utf8))]).encoded()
        let inner = longTerm.publicKey.bytes + vouchNonce + vouch + meta
        let nonce: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 2]
        let box = Sodium.seal(inner, nonce: Array("CurveZMQINITIATE".utf8) + nonce, to: serverTransient, from: transient.secretKey)
        let ready = try #require(try server.receive(Command(name: "INITIATE", data: cookie + nonce + box)).first)
        #expect(ready.name == "READY")
        let readyMeta = try #require(Sodium.open(ready.data[8...], nonce: Array("CurveZMQREADY---".utf8) + ready.data[0..<8],
                                                 from: serverTransient, to: transient.secretKey))
        #expect(try Metadata.decode(readyMeta).socketType == "ROUTER")
        #expect(server.clientKey == longTerm.publicKey)
    }
}

extension SecurityMechanism {
    /// Tests hand whole frames to a mechanism; the engine passes the frame where it lies.
    func decodeFrame(_ frame: WireFrame) throws -> WireFrame {
        try frame.body.withUnsafeBytes { try decodeFrame(flags: frame.flags, body: $0) }
    }
}
