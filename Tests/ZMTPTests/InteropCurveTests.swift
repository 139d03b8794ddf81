import Foundation
import TestSupport
import Testing
@testable import ZMTP

/// CURVE against pyzmq (libzmq 4.3.5 built with libsodium), in both directions.
@Suite(.serialized) struct InteropCurveTests {
    /// A key pair from pyzmq's zmq.curve_keypair(), as Z85 text.
    static func pyzmqKeyPair() throws -> (public: String, secret: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import zmq; p, s = zmq.curve_keypair(); print(p.decode()); print(s.decode())"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let lines = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        return (String(lines[0]), String(lines[1]))
    }

    static func curveEchoRouter(secret: CurveSecretKey, authorizer: CurveAuthorizer? = nil, events: EventLog? = nil) throws -> (ZMTPSocket, Endpoint) {
        var options = SocketOptions()
        options.security = .curveServer(secretKey: secret, authenticator: authorizer)
        if let events { options.onEvent = { events.append($0) } }
        let router = try ZMTPSocket(type: .router, options: options)
        router.serve { peer, message in try? router.send([peer] + message, timeout: .zero) }
        return (router, try router.bind("tcp://127.0.0.1:0"))
    }

    @Test func ourDealerToPyzmqCurveRouter() throws {
        let server = try Self.pyzmqKeyPair()
        let peer = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--mode", "echo", "--curve-server", "--secret=\(server.secret)"])
        defer { peer.stop() }
        var options = SocketOptions()
        options.security = .curveClient(serverKey: try CurvePublicKey(z85: server.public), keyPair: .generate())
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(try peer.endpoint())

        let multipart: [[UInt8]] = [[], Array("curve".utf8), []]
        try dealer.send(multipart, timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(10)) == multipart)
        let big = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try dealer.send([big], timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(20)) == [big])

        #expect(try InteropNullTests.pipelinedEcho(dealer, count: 100_000) == "ok")
    }

    @Test func pyzmqDealerToOurCurveRouter() throws {
        let server = CurveKeyPair.generate()
        let (router, endpoint) = try Self.curveEchoRouter(secret: server.secretKey)
        defer { router.close() }
        let client = try Self.pyzmqKeyPair()
        // 64 KiB: a stream of like large frames, which our side reads ahead (header and envelope
        // apart, the payload straight into its array), both ways.
        for args in [["--count", "100000", "--size", "16"], ["--count", "3", "--size", "\(4 << 20)"], ["--count", "3000", "--size", "\(64 << 10)"],
                     ["--count", "20", "--multipart", "--heartbeat-ivl", "100", "--heartbeat-timeout", "300", "--interval-ms", "50"]] {
            let peer = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint.description, "--mode", "client", "--fail-on-disconnect",
                                        "--curve-client", "--server-key=\(server.publicKey.z85)", "--public=\(client.public)", "--secret=\(client.secret)"] + args)
            #expect(peer.waitExit(timeout: 90) == 0, "\(args): \(peer.allLines)")
        }
    }

    @Test func ourKeysWorkWithPyzmq() throws {
        // Keys we generate, written as key files, are accepted by libzmq on both sides.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mc0-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let serverPair = CurveKeyPair.generate()
        try CurveKeyFile.write(serverPair, basePath: dir.appendingPathComponent("server").path)
        let serverPublic = try CurveKeyFile.readPublic(path: dir.appendingPathComponent("server.public").path)
        let serverSecret = try CurveKeyFile.readSecret(path: dir.appendingPathComponent("server.private").path)
        let clientPair = CurveKeyPair.generate()
        let peer = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--mode", "echo", "--curve-server", "--secret=\(serverSecret.z85Secret)"])
        defer { peer.stop() }
        var options = SocketOptions()
        options.security = .curveClient(serverKey: serverPublic, keyPair: clientPair)
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(try peer.endpoint())
        try dealer.send([[1, 2, 3]], timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(10)) == [[1, 2, 3]])
        let client = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", try peer.endpoint(), "--mode", "client", "--count", "5",
                                      "--curve-client", "--server-key=\(serverPublic.z85)", "--public=\(clientPair.publicKey.z85)",
                                      "--secret=\(clientPair.secretKey.z85Secret)"])
        #expect(client.waitExit(timeout: 30) == 0, "\(client.allLines)")
    }

    @Test func wrongServerKeyFailsAndIsReported() throws {
        let server = try Self.pyzmqKeyPair()
        let peer = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--mode", "echo", "--curve-server", "--secret=\(server.secret)"])
        defer { peer.stop() }
        var options = SocketOptions()
        let events = EventLog()
        options.onEvent = { events.append($0) }
        options.security = .curveClient(serverKey: CurveKeyPair.generate().publicKey, keyPair: .generate())
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(try peer.endpoint())
        try dealer.send([[1]], timeout: .zero)
        #expect(events.wait { if case .handshakeFailed = $0 { return true } else { return false } })
        #expect(throws: SocketError.timedOut) { try dealer.receive(timeout: .milliseconds(300)) }
        // Backoff: retries are spaced out, not a tight loop.
        let failures = events.all.filter { if case .handshakeFailed = $0 { return true } else { return false } }.count
        #expect(failures <= 4)
    }

    @Test func unauthorizedPyzmqClientIsRefused() throws {
        let server = CurveKeyPair.generate()
        let allowed = CurveKeyPair.generate()
        let authorizer = CurveAuthorizer(allowed: [allowed.publicKey])
        let events = EventLog()
        let (router, endpoint) = try Self.curveEchoRouter(secret: server.secretKey, authorizer: authorizer, events: events)
        defer { router.close() }
        let stranger = try Self.pyzmqKeyPair()
        let peer = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint.description, "--mode", "client", "--count", "1", "--timeout-ms", "1500",
                                    "--curve-client", "--server-key=\(server.publicKey.z85)", "--public=\(stranger.public)", "--secret=\(stranger.secret)"])
        #expect(peer.waitExit(timeout: 30) != 0)
        #expect(peer.allLines.contains { $0.hasPrefix("HANDSHAKE_FAILED") })
        #expect(events.wait { if case .handshakeFailed(_, .peerDenied(400, let why)) = $0 { return why.contains("authoriz") } else { return false } })

        // The same client becomes welcome once the allowed set is replaced, without a restart.
        authorizer.replaceAllowed([allowed.publicKey, try CurvePublicKey(z85: stranger.public)])
        let again = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint.description, "--mode", "client", "--count", "3",
                                     "--curve-client", "--server-key=\(server.publicKey.z85)", "--public=\(stranger.public)", "--secret=\(stranger.secret)"])
        #expect(again.waitExit(timeout: 30) == 0, "\(again.allLines)")
    }
}
