import Foundation
import Synchronization
import TestSupport
import Testing
@testable import ZMTP

/// PLAIN against pyzmq (libzmq 4.3.5) in both directions, good and bad credentials. The pyzmq
/// server checks credentials with pyzmq's own ZAP handler (zmq.auth); ours with a users file.
@Suite(.serialized) struct InteropPlainTests {
    static func plainPeer(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                         ["python3", "-u", Repository.fixtures.appendingPathComponent("plain_peer.py").path] + arguments)
    }

    static func usersFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mc0-users-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func ourClientToPyzmqServer() throws {
        let server = try Self.plainPeer(["server", "--user", "admin:secret"])
        defer { server.stop() }
        let endpoint = try server.endpoint()
        var options = SocketOptions()
        options.security = try .plainClient(username: "admin", password: "secret")
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try dealer.send([Array("hello".utf8), Array("plain".utf8)], timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(10)) == [Array("hello".utf8), Array("plain".utf8)])
        // libzmq gave our message the user id its ZAP handler allowed.
        #expect(server.waitLine("MESSAGE ") == "MESSAGE user=admin address=127.0.0.1 hello|plain")
    }

    @Test func ourClientWithWrongPasswordIsRefusedByPyzmq() throws {
        let server = try Self.plainPeer(["server", "--user", "admin:secret"])
        defer { server.stop() }
        let events = EventLog()
        var options = SocketOptions()
        options.security = try .plainClient(username: "admin", password: "guess")
        options.onEvent = { events.append($0) }
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(try server.endpoint())
        #expect(events.wait { if case .handshakeFailed(_, .deniedByPeer(400)) = $0 { return true } else { return false } })
        #expect(server.waitLine("HANDSHAKE_FAILED ") == "HANDSHAKE_FAILED EVENT_HANDSHAKE_FAILED_AUTH 400")
    }

    @Test func pyzmqClientToOurServerWithUsersFile() throws {
        let path = try Self.usersFile("# test users\nadmin:secret\nother:pw\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = SocketOptions()
        options.security = .plainServer(authenticator: try PlainUsers.load(path: path))
        let router = try ZMTPSocket(type: .router, options: options)
        defer { router.close() }
        let seen = Mutex<[MessageProperties]>([])
        router.serve { peer, message in
            if let properties = router.properties(of: peer) { seen.withLock { $0.append(properties) } }
            try? router.send([peer] + message, timeout: .zero)
        }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let client = try Self.plainPeer(["client", "--connect", endpoint.description, "--user", "admin:secret"])
        #expect(client.waitExit(timeout: 30) == 0, "\(client.allLines)")
        #expect(client.waitLines("", count: 1) == ["OK"])
        let properties = try #require(seen.withLock { $0.first })
        #expect(properties.userID == "admin" && properties.peerAddress == "127.0.0.1")
        #expect(properties["Socket-Type"] == "DEALER")
    }

    @Test func pyzmqClientWithWrongPasswordIsRefusedByOurServer() throws {
        let events = EventLog()
        var options = SocketOptions()
        options.security = .plainServer(authenticator: PlainUsers(["admin": "secret"]))
        options.onEvent = { events.append($0) }
        let router = try ZMTPSocket(type: .router, options: options)
        defer { router.close() }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let client = try Self.plainPeer(["client", "--connect", endpoint.description, "--user", "admin:guess", "--timeout-ms", "2000"])
        #expect(client.waitExit(timeout: 30) == 1)
        // Our ERROR is libzmq's: its client reports an authentication failure with the status.
        #expect(client.waitLine("HANDSHAKE_FAILED") == "HANDSHAKE_FAILED EVENT_HANDSHAKE_FAILED_AUTH 400", "\(client.allLines)")
        #expect(events.wait { if case .handshakeFailed(_, .peerDenied(400, _)) = $0 { return true } else { return false } })
    }
}
