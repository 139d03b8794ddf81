import Foundation
import TestSupport
import Testing
import ZMTP

/// `zmtp cat` end to end against pyzmq peers: DEALER and ROUTER, --echo, --count, the timeout
/// exit status, and the CURVE and PLAIN flags.
@Suite(.serialized) struct ZMTPCatTests {
    /// `zmtp cat ARGS`, with stderr on the same line stream as stdout.
    static func cat(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(Repository.builtProduct("zmtp"), ["cat"] + arguments, mergeStderr: true)
    }

    /// The endpoint a binding `zmtp cat` printed.
    static func boundEndpoint(_ process: ChildProcess) throws -> String {
        let line = try #require(process.waitLine("zmtp cat: bound "), "\(process.allLines)")
        return String(line.dropFirst("zmtp cat: bound ".count))
    }

    static func scratchDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mc0-zmtp-cat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static let node7Hex = Array("node-7".utf8).map { String(format: "%02x", $0) }.joined()

    @Test func dealerSendsLinesAndPrintsTheEchoes() throws {
        let router = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--mode", "echo"])
        defer { router.stop() }
        let cat = try Self.cat(["--type", "DEALER", "--connect", try router.endpoint(), "--count", "2", "--timeout", "10"])
        cat.write("hello\tworld\n\tafter an empty frame\n")
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.waitLines("", count: 2) == ["hello\tworld", "\tafter an empty frame"])
    }

    @Test func routerEchoesAndPrintsTheRoutingIDInHex() throws {
        let cat = try Self.cat(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--echo", "--count", "3", "--timeout", "20"])
        let dealer = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", try Self.boundEndpoint(cat), "--mode", "client",
                                               "--count", "3", "--multipart", "--size", "4", "--identity", "node-7"])
        #expect(dealer.waitExit(timeout: 30) == 0, "\(dealer.allLines)")
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        // zmq_peer's multipart message i: "", "", "i", bytes 0-3, "".
        #expect(cat.waitLines(Self.node7Hex, count: 3, timeout: 1) == (0..<3).map { Self.node7Hex + "\t\t\t\($0)\t\u{0}\u{1}\u{2}\u{3}\t" })
    }

    @Test func routerSendsToTheHexRoutingIDOfTheFirstField() throws {
        let cat = try Self.cat(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--count", "1", "--timeout", "20"])
        let dealer = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", try Self.boundEndpoint(cat), "--mode", "echo", "--identity", "node-7"])
        defer { dealer.stop() }
        #expect(dealer.waitLine("HANDSHAKE_OK") != nil)
        cat.write("zz\tnot hex\n\(Self.node7Hex)\tto node 7\tpart 2\n")
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.waitLine("zmtp cat: stdin line") == "zmtp cat: stdin line 1 skipped: routing id \"zz\" is not hex")
        #expect(cat.waitLine(Self.node7Hex) == Self.node7Hex + "\tto node 7\tpart 2")
    }

    /// The transports are the endpoint's scheme: `zmtp cat` over ipc:// in both directions,
    /// a filesystem path with us connecting and an abstract name with us binding.
    @Test func ipcEndpointsInBothDirections() throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let router = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "ipc://" + dir.appendingPathComponent("echo.sock").path,
                                               "--mode", "echo"])
        defer { router.stop() }
        let dealer = try Self.cat(["--type", "DEALER", "--connect", try router.endpoint(), "--count", "1", "--timeout", "10"])
        dealer.write("over a path\n")
        #expect(dealer.waitExit(timeout: 30) == 0, "\(dealer.allLines)")
        #expect(dealer.waitLine("over") == "over a path")

        let server = try Self.cat(["--type", "ROUTER", "--bind", "ipc://@mc0-zmtp-cat-\(UUID().uuidString)", "--echo",
                                   "--count", "1", "--timeout", "20"])
        let client = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", try Self.boundEndpoint(server), "--mode", "client",
                                               "--count", "1", "--size", "8", "--identity", "node-7"])
        #expect(client.waitExit(timeout: 30) == 0, "\(client.allLines)")
        #expect(server.waitExit(timeout: 30) == 0, "\(server.allLines)")
        #expect(server.waitLine(Self.node7Hex) != nil, "\(server.allLines)")
    }

    /// An inproc name joins sockets of one process: the one DEALER bound and connected to it
    /// gets its own line back through the link.
    @Test func inprocJoinsTheSocketToItself() throws {
        let name = "inproc://zmtp-cat-\(UUID().uuidString)"
        let cat = try Self.cat(["--type", "DEALER", "--bind", name, "--connect", name, "--count", "1", "--timeout", "10"])
        cat.write("through inproc\n")
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.waitLine("through") == "through inproc")
    }

    /// A line for a routing id that is not connected yet waits for that peer (up to
    /// --timeout) instead of being dropped.
    @Test func routerLineWaitsForItsPeerToConnect() throws {
        let cat = try Self.cat(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--count", "1", "--timeout", "20"])
        let endpoint = try Self.boundEndpoint(cat)
        cat.write("\(Self.node7Hex)\tsent before node 7 connected\n")
        let dealer = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint, "--mode", "echo", "--identity", "node-7"])
        defer { dealer.stop() }
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.waitLine(Self.node7Hex) == Self.node7Hex + "\tsent before node 7 connected")
    }

    @Test func routerLineForAPeerThatNeverComesTimesOut() throws {
        let cat = try Self.cat(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--count", "1", "--timeout", "0.3"])
        cat.write("\(Self.node7Hex)\tnobody\n")
        #expect(cat.waitExit(timeout: 30) == 1)
        // The receiving side's own 0.3 s may end the run first; either way it is a timeout.
        #expect(cat.waitLine("zmtp cat: timed out") != nil, "\(cat.allLines)")
        #expect(!cat.allLines.contains { $0.contains("send failed") }, "\(cat.allLines)")
    }

    @Test func timeoutExitsWithStatus1AndSaysSo() throws {
        let cat = try Self.cat(["--type", "DEALER", "--connect", "tcp://127.0.0.1:9", "--count", "1", "--timeout", "0.3"])
        #expect(cat.waitExit(timeout: 30) == 1)
        #expect(cat.waitLine("zmtp cat: timed out") == "zmtp cat: timed out: no message within 0.3 s (0 received)", "\(cat.allLines)")
    }

    @Test func curveServerAndClientFlags() throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let serverPair = CurveKeyPair.generate()
        let base = dir.appendingPathComponent("server").path
        try CurveKeyFile.write(serverPair, basePath: base)

        // Our CURVE server, a pyzmq client.
        let server = try Self.cat(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--curve-server", base + ".private",
                                   "--echo", "--count", "1", "--timeout", "20"])
        let client = try InteropCurveTests.pyzmqKeyPair()
        let dealer = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", try Self.boundEndpoint(server), "--mode", "client",
                                               "--count", "1", "--multipart", "--size", "4", "--curve-client", "--server-key=\(serverPair.publicKey.z85)",
                                               "--public=\(client.public)", "--secret=\(client.secret)"])
        #expect(dealer.waitExit(timeout: 30) == 0, "\(dealer.allLines)")
        #expect(server.waitExit(timeout: 30) == 0, "\(server.allLines)")

        // A pyzmq CURVE server, our client with a generated key pair.
        let router = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--mode", "echo",
                                               "--curve-server", "--secret=\(serverPair.secretKey.z85Secret)"])
        defer { router.stop() }
        let cat = try Self.cat(["--type", "DEALER", "--connect", try router.endpoint(), "--curve-server-key", base + ".public",
                                "--count", "1", "--timeout", "20"])
        cat.write("over curve\n")
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.waitLines("", count: 1) == ["over curve"])
    }

    @Test func plainServerAndClientFlags() throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let users = dir.appendingPathComponent("users").path
        try "admin:secret\n".write(toFile: users, atomically: true, encoding: .utf8)

        // Our PLAIN server with a users file, a pyzmq client.
        let server = try Self.cat(["--type", "ROUTER", "--bind", "tcp://127.0.0.1:0", "--plain-server", users,
                                   "--echo", "--count", "1", "--timeout", "20"])
        let client = try InteropPlainTests.plainPeer(["client", "--connect", try Self.boundEndpoint(server), "--user", "admin:secret"])
        #expect(client.waitExit(timeout: 30) == 0, "\(client.allLines)")
        #expect(server.waitExit(timeout: 30) == 0, "\(server.allLines)")

        // A pyzmq PLAIN server, our client: good credentials, then bad ones.
        let pyServer = try InteropPlainTests.plainPeer(["server", "--user", "admin:secret"])
        defer { pyServer.stop() }
        let endpoint = try pyServer.endpoint()
        let cat = try Self.cat(["--type", "DEALER", "--connect", endpoint, "--plain-client", "admin:secret", "--count", "1", "--timeout", "20"])
        cat.write("ping\n")
        #expect(cat.waitExit(timeout: 30) == 0, "\(cat.allLines)")
        #expect(cat.waitLines("", count: 1) == ["ping"])
        #expect(pyServer.waitLine("MESSAGE ") == "MESSAGE user=admin address=127.0.0.1 ping")

        let refused = try Self.cat(["--type", "DEALER", "--connect", endpoint, "--plain-client", "admin:guess", "--count", "1", "--timeout", "1"])
        #expect(refused.waitExit(timeout: 30) == 1)
        let failure = refused.waitLine("zmtp cat: handshake with ")
        #expect(failure?.hasSuffix("failed: the peer refused our credentials (status 400)") == true, "\(refused.allLines)")
    }

    @Test(arguments: [
        (["--type", "FOO", "--bind", "tcp://127.0.0.1:0"], "Error: unknown socket type \"FOO\" (one of PAIR, PUB, SUB, REQ, REP, DEALER, ROUTER, PULL, PUSH, XPUB, XSUB)"),
        (["--type", "DEALER", "--connect", "tcp://127.0.0.1:9", "--subscribe", "a"], "Error: --subscribe is for SUB and XSUB sockets, not DEALER"),
        (["--type", "DEALER", "--connect", "tcp://127.0.0.1:9", "--echo"], "Error: --echo is for REP, ROUTER and PAIR sockets, not DEALER"),
        (["--type", "DEALER"], "Error: give at least one --bind or --connect"),
        (["--type", "DEALER", "--connect", "tcp://127.0.0.1:9", "--plain-client", "a:b", "--curve-server-key", "k"],
         "Error: choose one of --curve-server, --curve-server-key, --plain-server and --plain-client"),
    ])
    func usageErrorsExitWith64(arguments: [String], message: String) throws {
        let cat = try Self.cat(arguments)
        #expect(cat.waitExit(timeout: 30) == 64)
        #expect(cat.waitLine("Error: ") == message, "\(cat.allLines)")
    }
}
