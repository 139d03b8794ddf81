import Foundation
import Synchronization
import TestSupport
import Testing
@testable import ZMTP
@_spi(Engine) import ZMTPCore

/// The authenticator on real sockets: NULL and CURVE servers asking it, refused peers told
/// as libzmq tells them, and the properties allowed peers' messages carry.
@Suite(.serialized) struct AuthenticatorSocketTests {
    /// An authenticator that records what it was asked and answers `decision`.
    final class Recorder: Authenticator {
        let requests = Mutex<[AuthenticationRequest]>([])
        let decision: AuthenticationDecision
        init(_ decision: AuthenticationDecision) { self.decision = decision }
        func authenticate(_ request: AuthenticationRequest) -> AuthenticationDecision {
            requests.withLock { $0.append(request) }
            return decision
        }
    }

    static func router(_ security: Security, events: EventLog, domain: String = "") throws -> (ZMTPSocket, Endpoint) {
        var options = SocketOptions()
        options.security = security
        options.authenticationDomain = domain
        options.onEvent = { events.append($0) }
        let router = try ZMTPSocket(type: .router, options: options)
        return (router, try router.bind("tcp://127.0.0.1:0"))
    }

    static func dealer(_ security: Security, to endpoint: Endpoint, events: EventLog = EventLog()) throws -> ZMTPSocket {
        var options = SocketOptions()
        options.security = security
        options.onEvent = { events.append($0) }
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        try dealer.connect(endpoint.description)
        return dealer
    }

    static let nullGreeting: [UInt8] = Greeting(mechanism: "NULL").encoded()

    @Test func deniedNullPeerGetsErrorInsteadOfReadyAndIsClosed() throws {
        let events = EventLog()
        let (router, endpoint) = try Self.router(.null(authenticator: Recorder(.deny(reason: "address not allowed"))), events: events)
        defer { router.close() }
        let raw = try RawPeer(port: endpoint.port)
        raw.write(Self.nullGreeting)
        #expect(raw.read(64).count == 64)
        // libzmq's NULL server with a refusing ZAP handler: ERROR with the status, no READY.
        #expect(raw.read(12) == [0x04, 10, 5] + Array("ERROR".utf8) + [3] + Array("400".utf8))
        #expect(raw.closedByPeer())
        #expect(events.wait { $0 == .handshakeFailed(peer: "127.0.0.1:\(Self.localPort(raw))", error: .peerDenied(status: 400, reason: "address not allowed")) })
    }

    @Test func temporaryFailureClosesWithoutError() throws {
        let events = EventLog()
        let (router, endpoint) = try Self.router(.null(authenticator: Recorder(.deny(reason: "later", status: .temporaryFailure))), events: events)
        defer { router.close() }
        let raw = try RawPeer(port: endpoint.port)
        raw.write(Self.nullGreeting)
        #expect(raw.read(64).count == 64)
        #expect(raw.read(1).isEmpty)  // closed, nothing after the greeting
    }

    @Test func deniedNullDealerReportsTheStatus() throws {
        let events = EventLog()
        let (router, endpoint) = try Self.router(.null(authenticator: Recorder(.deny(reason: "no", status: .internalError))), events: EventLog())
        defer { router.close() }
        let dealer = try Self.dealer(.null, to: endpoint, events: events)
        defer { dealer.close() }
        #expect(events.wait { if case .handshakeFailed(_, .deniedByPeer(500)) = $0 { return true } else { return false } })
    }

    @Test func deniedPyzmqNullClientReportsAnAuthenticationFailure() throws {
        let (router, endpoint) = try Self.router(.null(authenticator: Recorder(.deny(reason: "no"))), events: EventLog())
        defer { router.close() }
        let peer = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint.description, "--mode", "client",
                                             "--count", "1", "--timeout-ms", "1500"])
        #expect(peer.waitExit(timeout: 30) != 0)
        // libzmq reads our ERROR "400" as a ZAP refusal, as it reads its own NULL server's.
        #expect(peer.waitLine("HANDSHAKE_FAILED") == "HANDSHAKE_FAILED EVENT_HANDSHAKE_FAILED_AUTH", "\(peer.allLines)")
    }

    @Test func allowedNullPeerCarriesUserIDAndPeerAddress() throws {
        let recorder = Recorder(.allow(userID: "anonymous"))
        let (router, endpoint) = try Self.router(.null(authenticator: recorder), events: EventLog(), domain: "global")
        defer { router.close() }
        let dealer = try Self.dealer(.null, to: endpoint)
        defer { dealer.close() }
        try dealer.send([Array("hi".utf8)], timeout: .seconds(10))
        var message = Message()
        try router.receive(into: &message, timeout: .seconds(10))
        #expect(message[1] == Array("hi".utf8)[...])
        let properties = try #require(message.properties)
        #expect(properties.userID == "anonymous" && properties["User-Id"] == "anonymous")
        #expect(properties.peerAddress == "127.0.0.1" && properties["Peer-Address"] == "127.0.0.1")
        #expect(properties["Socket-Type"] == "DEALER")
        #expect(router.properties(of: Array(message[0])) === properties)
        let request = try #require(recorder.requests.withLock { $0.first })
        #expect(request == AuthenticationRequest(domain: "global", peerAddress: "127.0.0.1", routingID: [],
                                                 mechanism: "NULL", credentials: .none))
        // The client side: nobody authenticated the server, the address is known.
        try router.send([Array(message[0]), Array("back".utf8)], timeout: .seconds(10))
        var reply = Message()
        try dealer.receive(into: &reply, timeout: .seconds(10))
        #expect(reply.properties?.userID == nil && reply.properties?.peerAddress == "127.0.0.1")
        #expect(reply.properties?["Socket-Type"] == "ROUTER")
    }

    @Test func curveServerAsksTheAuthenticatorWithTheClientKey() throws {
        let server = CurveKeyPair.generate(), client = CurveKeyPair.generate()
        let recorder = Recorder(.allow(userID: "node-1"))
        let (router, endpoint) = try Self.router(.curveServer(secretKey: server.secretKey, authenticator: recorder), events: EventLog())
        defer { router.close() }
        let seen = Mutex<[String?]>([])
        router.serve { peer, _ in seen.withLock { $0.append(router.properties(of: peer)?.userID) } }
        let dealer = try Self.dealer(.curveClient(serverKey: server.publicKey, keyPair: client), to: endpoint)
        defer { dealer.close() }
        try dealer.send([[1]], timeout: .seconds(10))
        #expect(waitUntil { seen.withLock { $0 } == ["node-1"] })
        #expect(recorder.requests.withLock { $0.map(\.credentials) } == [.curve(client.publicKey)])
    }

    @Test func curveServerWithoutAuthenticatorGivesTheKeyAsUserID() throws {
        let server = CurveKeyPair.generate(), client = CurveKeyPair.generate()
        let (router, endpoint) = try Self.router(.curveServer(secretKey: server.secretKey), events: EventLog())
        defer { router.close() }
        let dealer = try Self.dealer(.curveClient(serverKey: server.publicKey, keyPair: client), to: endpoint)
        defer { dealer.close() }
        try dealer.send([[1]], timeout: .seconds(10))
        var message = Message()
        try router.receive(into: &message, timeout: .seconds(10))
        #expect(message.properties?.userID == client.publicKey.z85)
    }

    @Test func curveServerDenialReachesTheClient() throws {
        let server = CurveKeyPair.generate()
        let serverEvents = EventLog(), clientEvents = EventLog()
        let (router, endpoint) = try Self.router(.curveServer(secretKey: server.secretKey, authenticator: CurveAuthorizer(allowed: [])),
                                                 events: serverEvents)
        defer { router.close() }
        let client = CurveKeyPair.generate()
        let dealer = try Self.dealer(.curveClient(serverKey: server.publicKey, keyPair: client), to: endpoint, events: clientEvents)
        defer { dealer.close() }
        #expect(clientEvents.wait { if case .handshakeFailed(_, .deniedByPeer(400)) = $0 { return true } else { return false } })
        #expect(serverEvents.wait {
            if case .handshakeFailed(_, .peerDenied(400, let why)) = $0 { return why == "client key \(client.publicKey.z85) is not authorized" }
            return false
        })
    }

    @Test func malformedPlainHelloFromARawPeerIsClosed() throws {
        let events = EventLog()
        let (router, endpoint) = try Self.router(.plainServer(authenticator: PlainUsers(["a": "b"])), events: events)
        defer { router.close() }
        let raw = try RawPeer(port: endpoint.port)
        let hello = Command(name: "HELLO", data: [9, 0x61]).encoded()
        raw.write(Greeting(mechanism: "PLAIN").encoded() + [0x04, UInt8(hello.count)] + hello)
        #expect(raw.read(64).count == 64)
        #expect(raw.closedByPeer())
        #expect(events.wait {
            if case .handshakeFailed(_, .malformedCommand(let why)) = $0 { return why.hasPrefix("PLAIN HELLO") } else { return false }
        })
    }

    /// The local port of a raw peer's connection: the server names it as "127.0.0.1:PORT".
    static func localPort(_ raw: RawPeer) -> UInt16 {
        (try? SocketAddress.of(raw.fd, peer: false).get())?.port ?? 0
    }
}
