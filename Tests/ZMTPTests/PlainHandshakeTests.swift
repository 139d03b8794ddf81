import Testing
@testable import ZMTP
@_spi(Engine) import ZMTPCore

// In-memory PLAIN: commands pass between a PlainClient and a PlainServer as encoded bodies,
// decoded as the engine decodes them.

private func context(_ socketType: SocketType, domain: String = "", peerAddress: String = "") -> HandshakeContext {
    HandshakeContext(localMetadata: socketType.metadata(identity: []), validatePeer: socketType.peerValidator(),
                     authenticationDomain: domain, peerAddress: peerAddress)
}

private func deliver(_ body: [UInt8], to m: SecurityMechanism) throws -> [[UInt8]] {
    try m.receive(Command.decode(body)).map { $0.encoded() }
}

private func hello(_ data: [UInt8]) -> [UInt8] { Command(name: "HELLO", data: data).encoded() }

/// Records every request and answers with `decision`.
private final class Recorder: Authenticator, @unchecked Sendable {
    var requests: [AuthenticationRequest] = []
    let decision: AuthenticationDecision
    init(_ decision: AuthenticationDecision) { self.decision = decision }
    func authenticate(_ request: AuthenticationRequest) -> AuthenticationDecision {
        requests.append(request)
        return decision
    }
}

@Suite struct PlainHandshakeTests {
    let users = PlainUsers(["admin": "secret"])

    @Test func goodCredentialsCompleteWithTheUserID() throws {
        let client = PlainClient(context: context(.dealer), username: Array("admin".utf8), password: Array("secret".utf8))
        let server = PlainServer(context: context(.router), authenticator: users)
        #expect(try server.start().isEmpty)
        let h = try #require(try client.start().first).encoded()
        // The bytes libzmq's client sends for the same credentials (ZMTP-SPEC-DIGEST §10).
        #expect(h == [5] + Array("HELLO".utf8) + [5] + Array("admin".utf8) + [6] + Array("secret".utf8))
        let welcome = try deliver(h, to: server)
        #expect(welcome == [[7] + Array("WELCOME".utf8)])
        let initiate = try deliver(welcome[0], to: client)
        let ready = try deliver(initiate[0], to: server)
        #expect(server.isComplete && server.userID == "admin")
        #expect(server.peerMetadata.socketType == "DEALER")
        #expect(try deliver(ready[0], to: client).isEmpty)
        #expect(client.isComplete && client.userID == nil && client.peerMetadata.socketType == "ROUTER")
    }

    @Test func refusedCredentialsGetLibzmqsErrorAndTheClientReportsTheStatus() throws {
        let server = PlainServer(context: context(.router), authenticator: users)
        var thrown: Error?
        do { _ = try deliver(hello([5] + Array("admin".utf8) + [5] + Array("wrong".utf8)), to: server) } catch { thrown = error }
        let error = try #require(thrown)
        #expect(error as? ZMTPError == .peerDenied(status: 400, reason: "wrong user name or password for \"admin\""))
        // What pyzmq's libzmq 4.3.5 PLAIN server sent a raw socket for refused credentials.
        let refusal = try #require(server.refusal(for: error))
        #expect(refusal == [0x5E, 0x52, 0x52, 0x4F, 0x52, 0x03, 0x34, 0x30, 0x30])
        let client = PlainClient(context: context(.dealer), username: Array("admin".utf8), password: Array("wrong".utf8))
        _ = try client.start()
        #expect(throws: ZMTPError.deniedByPeer(status: 400)) { try deliver(refusal, to: client) }
        // A spec-form ERROR is understood too.
        let other = PlainClient(context: context(.dealer), username: [], password: [])
        _ = try other.start()
        #expect(throws: ZMTPError.deniedByPeer(status: 500)) { try deliver(Command.error("500").encoded(), to: other) }
    }

    @Test func temporaryFailureClosesWithoutAnError() throws {
        let server = PlainServer(context: context(.router), authenticator: CallbackAuthenticator { _ in .deny(reason: "busy", status: .temporaryFailure) })
        var thrown: Error?
        do { _ = try deliver(hello([1, 0x61, 1, 0x62]), to: server) } catch { thrown = error }
        #expect(thrown as? ZMTPError == .peerDenied(status: 300, reason: "busy"))
        #expect(server.refusal(for: try #require(thrown)) == nil)
    }

    @Test func theAuthenticatorGetsZAPsInputs() throws {
        let recorder = Recorder(.allow(userID: "u-1"))
        let server = PlainServer(context: context(.router, domain: "global", peerAddress: "127.0.0.1"), authenticator: recorder)
        _ = try deliver(hello([3] + Array("bob".utf8) + [2] + Array("pw".utf8)), to: server)
        #expect(recorder.requests == [AuthenticationRequest(domain: "global", peerAddress: "127.0.0.1", routingID: [],
                                                            mechanism: "PLAIN", credentials: .plain(username: "bob", password: "pw"))])
        #expect(server.userID == "u-1")
    }

    @Test(arguments: [
        [],                            // no username length
        [5, 0x61, 0x62],               // username runs past the end
        [1, 0x61],                     // no password length
        [1, 0x61, 3, 0x62],            // password runs past the end
        [1, 0x61, 1, 0x62, 0x63],      // extra byte after the password
    ] as [[UInt8]])
    func malformedHelloIsATypedErrorWithoutAsking(data: [UInt8]) throws {
        let recorder = Recorder(.allow(userID: "x"))
        let server = PlainServer(context: context(.router), authenticator: recorder)
        var thrown: Error?
        do { _ = try deliver(hello(data), to: server) } catch { thrown = error }
        guard case .malformedCommand(let why)? = thrown as? ZMTPError else {
            Issue.record("expected malformedCommand, got \(String(describing: thrown))")
            return
        }
        #expect(why.hasPrefix("PLAIN HELLO"))
        #expect(recorder.requests.isEmpty)
        #expect(server.refusal(for: try #require(thrown)) == nil)
    }

    @Test func credentialsThatAreNotUTF8AreRefusedWithoutAsking() throws {
        let recorder = Recorder(.allow(userID: "x"))
        let server = PlainServer(context: context(.router), authenticator: recorder)
        #expect(throws: ZMTPError.peerDenied(status: 400, reason: "PLAIN user name or password is not UTF-8")) {
            try deliver(hello([1, 0xFF, 1, 0x61]), to: server)
        }
        #expect(recorder.requests.isEmpty)
    }

    @Test func commandsOutOfOrderAreRefused() throws {
        let server = PlainServer(context: context(.router), authenticator: users)
        #expect(throws: ZMTPError.self) { try deliver(Command(name: "INITIATE").encoded(), to: server) }
        let client = PlainClient(context: context(.dealer), username: [], password: [])
        _ = try client.start()
        #expect(throws: ZMTPError.self) { try deliver(Command.ready(Metadata()).encoded(), to: client) }
        let welcomed = PlainClient(context: context(.dealer), username: [], password: [])
        _ = try welcomed.start()
        #expect(throws: ZMTPError.malformedCommand("PLAIN WELCOME carries 1 bytes of data")) {
            try deliver(Command(name: "WELCOME", data: [0]).encoded(), to: welcomed)
        }
    }

    @Test func clientCredentialsAreBoundedAt255Bytes() throws {
        _ = try Security.plainClient(username: String(repeating: "u", count: 255), password: String(repeating: "p", count: 255))
        #expect(throws: PlainCredentialsError(field: "username", bytes: 256)) {
            try Security.plainClient(username: String(repeating: "u", count: 256), password: "p")
        }
        #expect(throws: PlainCredentialsError(field: "password", bytes: 256)) {
            try Security.plainClient(username: "u", password: String(repeating: "é", count: 128))
        }
    }
}
