import Foundation
import TestSupport
import Testing
import ZMTP

/// mc0d's command line: one clear stderr line and a non-zero exit for every bad input,
/// authorized keys reloaded on SIGHUP, --no-curve, clean shutdown.
@Suite(.serialized) struct BrokerEndToEndCLITests {
    /// Runs mc0d to its exit (bounded); returns the status and its stderr lines.
    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: [String]) {
        let process = Process()
        process.executableURL = BuiltBroker.url
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = Thread.detachNewThreadResult {
            String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        let text = output.wait(timeout: 20) ?? ""
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, text.split(separator: "\n").map(String.init))
    }

    @Test func everyBadInputGetsOneLineAndANonZeroExit() throws {
        let scratch = try ScratchDirectory()
        try String(repeating: "a", count: 39).write(toFile: scratch.path("short.key"), atomically: true, encoding: .utf8)
        let badList = scratch.path("authorized")
        try "# clients\n\(CurveKeyPair.generate().publicKey.z85)\nnot-a-key\n".write(toFile: badList, atomically: true, encoding: .utf8)
        let key = scratch.path("broker")
        try CurveKeyFile.write(.generate(), basePath: key)
        // A port that is in use: a listening ZMTP socket of our own.
        let holder = try ZMTPSocket(type: .router)
        defer { holder.close() }
        let taken = try holder.bind("tcp://127.0.0.1:0").port

        let cases: [(arguments: [String], says: String)] = [
            (["--bogus"], "Unknown option '--bogus'"),
            (["--no-curve", "--port"], "Missing value for '--port"),
            (["--no-curve", "--port", "70000"], "--port 70000 is not a TCP port"),
            (["--no-curve", "--port", "http"], "'http' is invalid for '--port"),
            (["--no-curve", "--log-level", "loud"], "--log-level 'loud' is not a level"),
            (["--no-curve", "--busy-poll=-1"], "--busy-poll -1 is out of range"),
            (["--no-curve", "--busy-poll", "20000"], "--busy-poll 20000 is out of range"),
            (["--no-curve", "--slow-consumer-timeout", "0"], "--slow-consumer-timeout 0.0 is out of range"),
            (["--no-curve", "--slow-consumer-timeout", "nan"], "--slow-consumer-timeout nan is out of range"),
            (["--no-curve", "--backlog", "0"], "--backlog 0 is out of range"),
            (["--no-curve", "--handshake-stall", "0"], "--handshake-stall 0.0 is out of range"),
            (["--port", "0"], "CURVE needs the broker's secret key"),
            (["--no-curve", "--curve-private-key", key + ".private"], "--no-curve cannot be combined with --curve-private-key"),
            (["--curve-private-key", scratch.path("missing.private")], "missing.private: does not exist"),
            (["--curve-private-key", scratch.path("short.key")], "expected 40 Z85 characters, got 39"),
            (["--curve-private-key", scratch.url.path], "is not a regular file"),
            (["--curve-private-key", key + ".private", "--authorized-keys", badList], "line 3"),
            (["--data-dir", scratch.path("empty")], "add --generate-keys"),
            (["--no-curve", "--bind", "tcp://127.0.0.1"], "is not an address"),
            (["--no-curve", "--bind", "127.0.0.1", "--port", "\(taken)"], "Address already in use"),
            (["--no-curve", "--bind", "192.0.2.1", "--port", "0"], "cannot listen on tcp://192.0.2.1:0"),
        ]
        for (arguments, says) in cases {
            let (status, stderr) = try Self.run(arguments)
            #expect(status != 0, "\(arguments)")
            #expect(stderr.count == 1, "\(arguments): \(stderr)")
            #expect(stderr.first?.hasPrefix("mc0d: ") == true && stderr.first?.contains(says) == true, "\(arguments): \(stderr)")
        }
    }

    @Test func authorizedKeysAreReloadedOnSighup() throws {
        let scratch = try ScratchDirectory()
        let friend = CurveKeyPair.generate(), stranger = CurveKeyPair.generate()
        let list = scratch.path("authorized_keys")
        try "# allowed clients\n\(friend.publicKey.z85)  # friend\n".write(toFile: list, atomically: true, encoding: .utf8)
        let broker = try BrokerProcess(["--authorized-keys", list, "--stats-interval", "1"])
        defer { broker.stop() }
        func keys(_ pair: CurveKeyPair) -> (public: String, secret: String) { (pair.publicKey.z85, pair.secretKey.z85Secret) }

        let refused = try broker.client(["script"], keys: keys(stranger))
        refused.sendFrames(connectFrames(ttl: 60_000, id: "1"))
        #expect(refused.waitLine("HANDSHAKE_FAILED", timeout: 20) != nil, "\(refused.allLines)")
        refused.stop()
        #expect(refused.received.isEmpty)
        #expect(broker.waitLog("refused handshake from 127.0.0.1: "))
        // Counted in the stats line.
        #expect(broker.waitUntil(timeout: 5, { broker.lastStats()?["handshake_failures"] }) { $0 >= 1 })
        #expect(broker.lastStats()?["handshake_evictions"] == 0)

        let welcome = try broker.client(["script"], keys: keys(friend))
        defer { welcome.stop() }
        welcome.sendFrames(connectFrames(ttl: 60_000, id: "1"))
        #expect(welcome.waitMessages(1) == [ok("1")])

        try "\(friend.publicKey.z85)\n\(stranger.publicKey.z85)\n".write(toFile: list, atomically: true, encoding: .utf8)
        broker.child.signal(SIGHUP)
        #expect(broker.waitLog("SIGHUP: reloaded 2 authorized client key(s)"), "\(broker.child.allLines)")
        let admitted = try broker.client(["script"], keys: keys(stranger))
        defer { admitted.stop() }
        admitted.sendFrames(connectFrames(ttl: 60_000, id: "2"))
        #expect(admitted.waitMessages(1) == [ok("2")])

        // A broken list is refused on reload and the previous one stays in force.
        try "garbage\n".write(toFile: list, atomically: true, encoding: .utf8)
        broker.child.signal(SIGHUP)
        #expect(broker.waitLog("SIGHUP: reload failed, keeping the previous authorized keys"))
        #expect(broker.child.process.isRunning)
    }

    @Test func noCurveServesNullClientsLogsStatsAndExitsCleanlyOnSigterm() throws {
        let broker = try BrokerProcess(["--no-curve", "--stats-interval", "0.2", "--busy-poll", "0"])
        defer { broker.stop() }
        #expect(broker.publicKey == nil)
        #expect(broker.child.allLines.contains { $0.contains("(NULL, no encryption") })
        let client = try broker.client(["script"])
        client.sendFrames(connectFrames(ttl: 60_000, id: "1"))
        #expect(client.waitMessages(1) == [ok("1")])
        #expect(broker.waitLog("stats: clients=1 topics=0 in=1 out=1 paused=0 errors=0 evictions=0 slow_consumers=0 send_failures=0"), "\(broker.child.allLines)")
        #expect(broker.stop() == 0)
        #expect(client.waitLine("DISCONNECTED") != nil)
        client.stop()
    }

    @Test func firstRunGeneratesKeysAndPrintsClientSettings() throws {
        let broker = try BrokerProcess()
        defer { broker.stop() }
        let lines = broker.child.allLines
        let keyDir = broker.data.path("keys")
        #expect(lines.contains { $0.contains("generated a new broker key pair") })
        #expect(lines.contains("    plugin.zeromq.broker.public_key = \(keyDir)/broker.public"))
        #expect(lines.contains("    plugin.zeromq.broker.host = 127.0.0.1"))
        #expect(lines.contains("    plugin.zeromq.curve = true"))
        let port = broker.endpoint.split(separator: ":").last.map(String.init) ?? ""
        #expect(lines.contains("    plugin.zeromq.broker.port = \(port)"))
        let publicKey = try CurveKeyFile.readPublic(path: keyDir + "/broker.public")
        #expect(publicKey.z85 == broker.publicKey)
        #expect(broker.stop() == 0)

        // The second run reuses the key pair.
        let again = try ChildProcess(BuiltBroker.url, ["--bind", "127.0.0.1", "--port", "0", "--data-dir", keyDir, "--generate-keys"], mergeStderr: true)
        defer { again.kill() }
        #expect(again.waitLine("mc0d listening on ", timeout: 20)?.hasSuffix("public key \(publicKey.z85))") == true, "\(again.allLines)")
        #expect(!again.allLines.contains { $0.contains("generated") })
        again.signal(SIGINT)
        #expect(again.waitExit(timeout: 10) == 0)
    }
}
