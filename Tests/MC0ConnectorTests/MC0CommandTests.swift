import Foundation
import TestSupport
import Testing

/// The `mc0` executable (built by `swift build`) against Fixtures/fake_broker.py.
@Suite(.serialized) struct MC0CommandTests {
    @Test func keygenKeysAreAcceptedByPyzmqCurveAndPingReportsLatency() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["broker", "client"] {
            let (status, output) = try runProduct("mc0", ["keygen", dir.appendingPathComponent(name).path])
            #expect(status == 0, "\(output)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("client.private").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let again = try runProduct("mc0", ["keygen", dir.appendingPathComponent("client").path])
        #expect(again.status != 0 && again.output.contains("already exists"))

        // libzmq's CURVE server takes the broker key file as it is; the client side uses the pair.
        let (broker, port) = try startFakeBroker(["--curve-secret-file", dir.appendingPathComponent("broker.private").path])
        defer { broker.stop() }
        let config = dir.appendingPathComponent("client.cfg")
        try Data("""
            plugin.zeromq.broker.host = 127.0.0.1
            plugin.zeromq.broker.port = \(port)
            plugin.zeromq.broker.public_key = \(dir.path)/broker.public
            plugin.zeromq.public_key = \(dir.path)/client.public
            plugin.zeromq.private_key = \(dir.path)/client.private
            identity = cli
            """.utf8).write(to: config)
        let ping = try runProduct("mc0", ["ping", "--config", config.path, "--count", "5"])
        #expect(ping.status == 0, "\(ping.output)")
        #expect(ping.output.contains("5/5 acknowledged; latency min "), "\(ping.output)")
        #expect(ping.output.contains("p50") && ping.output.contains("p99"))
        #expect(broker.waitLine("CONNECT ttl=30000 rid=cli ") != nil)

        // Flags override the file: a wrong broker key is reported as a handshake failure.
        let wrong = try runProduct("mc0", ["ping", "--config", config.path, "--broker-key", "\(dir.path)/client.public", "--count", "1"])
        #expect(wrong.status != 0 && wrong.output.contains("handshake"), "\(wrong.output)")
    }

    @Test func subPrintsWhatPubPublishes() throws {
        let (broker, port) = try startFakeBroker()
        defer { broker.stop() }
        let flags = ["--host", "127.0.0.1", "--port", "\(port)", "--no-curve", "--heartbeat", "1"]
        let sub = try ChildProcess(Repository.builtProduct("mc0"), ["sub", "--topic", "mcollective discovery", "--count", "2"] + flags,
                                   mergeStderr: true)
        #expect(sub.waitLine("subscribed to 'mcollective discovery'") != nil, "\(sub.allLines)")
        let pub = try runProduct("mc0", ["pub", "--topic", "mcollective discovery", "--header", "X-REPLY-TO=mcollective reply me 1",
                                         "first", "second"] + flags)
        #expect(pub.status == 0, "\(pub.output)")
        #expect(sub.waitExit(timeout: 20) == 0)
        #expect(sub.allLines.filter { !$0.hasPrefix("subscribed") } == ["first", "second"])
        #expect(broker.waitLine("CONNECT ttl=1000 ") != nil)

        let reserved = try runProduct("mc0", ["pub", "--topic", "t", "--header", "TOPIC=x", "body"] + flags)
        #expect(reserved.status != 0 && reserved.output.contains("reserved"), "\(reserved.output)")
    }

    @Test func loadRunsBothModesAndPrintsATable() throws {
        let (broker, port) = try startFakeBroker()
        defer { broker.stop() }
        let flags = ["--host", "127.0.0.1", "--port", "\(port)", "--no-curve"]
        let noops = try runProduct("mc0", ["load", "--clients", "3", "--count", "50"] + flags)
        #expect(noops.status == 0, "\(noops.output)")
        #expect(noops.output.contains("clients  noops  acked  failed"))
        #expect(noops.output.contains("3        150    150    0 "), "\(noops.output)")
        let fanout = try runProduct("mc0", ["load", "--fanout", "--subscribers", "3", "--publishers", "2", "--count", "40"] + flags)
        #expect(fanout.status == 0, "\(fanout.output)")
        #expect(fanout.output.contains("lost  out of order"), "\(fanout.output)")
        #expect(fanout.output.contains("240       240       0     0             0 "), "\(fanout.output)")
    }

    @Test func everySubcommandHasHelpAndBadInputIsAClearError() throws {
        for sub in ["keygen", "ping", "sub", "pub", "load"] {
            let (status, output) = try runProduct("mc0", [sub, "--help"])
            #expect(status == 0 && output.contains("USAGE: mc0 \(sub)"), "\(sub): \(output)")
        }
        let top = try runProduct("mc0", ["--help"])
        #expect(top.status == 0 && ["keygen", "ping", "sub", "pub", "load"].allSatisfy { top.output.contains($0) })

        let missing = try runProduct("mc0", ["ping", "--config", "/nonexistent/mc0.cfg"])
        #expect(missing.status != 0 && missing.output.contains("config file /nonexistent/mc0.cfg: does not exist"), "\(missing.output)")
        let noHost = try runProduct("mc0", ["ping", "--no-curve"])
        #expect(noHost.status != 0 && noHost.output.contains("plugin.zeromq.broker.host is not set"), "\(noHost.output)")
        let badHeartbeat = try runProduct("mc0", ["ping", "--host", "h", "--no-curve", "--heartbeat", "0"])
        #expect(badHeartbeat.status != 0 && badHeartbeat.output.contains("plugin.zeromq.heartbeat"), "\(badHeartbeat.output)")
    }
}
