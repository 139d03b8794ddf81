import Foundation
import MC0Connector
import Testing
import ZMTP

@Suite struct ConnectorConfigTests {
    typealias Key = ConnectorConfig.Key

    @Test func everySettingIsRead() throws {
        let config = try ConnectorConfig.parse("""
            # MCollective server.cfg
            main_collective = mcollective
              plugin.zeromq.broker.host = broker.example.com  
            plugin.zeromq.broker.port=6000
            plugin.zeromq.curve = false
            plugin.zeromq.broker.public_key = /etc/mc0/broker.public
            plugin.zeromq.public_key = /etc/mc0/node.public
            plugin.zeromq.private_key = /etc/mc0/node.private
            plugin.zeromq.heartbeat = 2.5
            identity = web1.example.com

            """, path: "server.cfg")
        #expect(config.host == "broker.example.com")
        #expect(config.port == 6000)
        #expect(config.curve == false)
        #expect(config.brokerPublicKeyFile == "/etc/mc0/broker.public")
        #expect(config.publicKeyFile == "/etc/mc0/node.public")
        #expect(config.privateKeyFile == "/etc/mc0/node.private")
        #expect(config.heartbeat == .milliseconds(2500))
        #expect(config.heartbeatMilliseconds == 2500)
        #expect(config.identity == "web1.example.com")
        #expect(try config.brokerEndpoint() == "tcp://broker.example.com:6000")
    }

    @Test func defaults() throws {
        let config = try ConnectorConfig.parse("plugin.zeromq.broker.host = ::1\n", path: "c.cfg")
        #expect(config.port == 61616)
        #expect(config.curve)
        #expect(config.heartbeat == .seconds(30))
        #expect(config.heartbeatMilliseconds == 30_000)
        #expect(!config.identity.isEmpty)
        #expect(config.brokerPublicKeyFile == nil && config.publicKeyFile == nil && config.privateKeyFile == nil)
        #expect(try config.brokerEndpoint() == "tcp://[::1]:61616")
    }

    @Test func laterLinesWinAndBooleanSpellings() throws {
        let config = try ConnectorConfig.parse("identity = a\nidentity = b\nplugin.zeromq.curve = no\n", path: "c")
        #expect(config.identity == "b")
        for (text, value) in [("true", true), ("yes", true), ("on", true), ("1", true), ("FALSE", false), ("off", false), ("0", false)] {
            #expect(try ConnectorConfig.parse("plugin.zeromq.curve = \(text)", path: "c").curve == value)
        }
    }

    @Test func malformedLinesAndValuesAreNamed() {
        #expect(throws: ConnectorConfigError.malformedLine(path: "c.cfg", line: 2, text: "just words")) {
            try ConnectorConfig.parse("# ok\njust words\n", path: "c.cfg")
        }
        #expect(throws: ConnectorConfigError.malformedLine(path: "c.cfg", line: 1, text: "= value")) {
            try ConnectorConfig.parse("= value", path: "c.cfg")
        }
        for bad in ["0", "65536", "-1", "+80", "http", ""] {
            #expect(throws: ConnectorConfigError.invalidValue(setting: Key.port, value: bad, expected: "a TCP port from 1 to 65535")) {
                try ConnectorConfig.parse("plugin.zeromq.broker.port = \(bad)", path: "c")
            }
        }
        #expect(throws: ConnectorConfigError.invalidValue(setting: Key.curve, value: "maybe", expected: "true or false (also yes/no, on/off, 1/0)")) {
            try ConnectorConfig.parse("plugin.zeromq.curve = maybe", path: "c")
        }
        for bad in ["0", "0.05", "3601", "-5", "30s", "", "1e3"] {
            do {
                _ = try ConnectorConfig.parse("plugin.zeromq.heartbeat = \(bad)", path: "c")
                Issue.record("heartbeat '\(bad)' accepted")
            } catch {
                guard case .invalidValue(let setting, let value, _) = error else { Issue.record("\(error)"); continue }
                #expect(setting == Key.heartbeat && value == bad)
                #expect(error.description.contains("plugin.zeromq.heartbeat"))
            }
        }
    }

    @Test func validationNamesTheMissingOrWrongSetting() throws {
        #expect(throws: ConnectorConfigError.missingSetting(Key.host, why: "set it to the broker's host name or address")) {
            try ConnectorConfig().validated()
        }
        var config = ConnectorConfig(host: "broker")
        for (setting, path) in [(Key.brokerPublicKey, \ConnectorConfig.brokerPublicKeyFile), (Key.publicKey, \.publicKeyFile),
                                (Key.privateKey, \.privateKeyFile)] {
            do {
                _ = try config.validated()
                Issue.record("validated without \(setting)")
            } catch {
                guard case .missingSetting(let missing, _) = error else { Issue.record("\(error)"); continue }
                #expect(missing == setting)
                #expect(error.description.hasPrefix("\(setting) is not set"))
            }
            config[keyPath: path] = "/some/file"
        }
        _ = try config.validated()
        config.curve = false
        config.brokerPublicKeyFile = nil
        _ = try config.validated()   // no keys needed without CURVE

        var badHost = ConnectorConfig(host: "bad host!")
        badHost.curve = false
        #expect(throws: ConnectorConfigError.self) { try badHost.validated() }
        var badIdentity = ConnectorConfig(host: "h")
        badIdentity.curve = false
        for identity in ["", "two words", "tab\there", String(repeating: "x", count: 201)] {
            badIdentity.identity = identity
            do {
                _ = try badIdentity.validated()
                Issue.record("identity '\(identity)' accepted")
            } catch {
                guard case .invalidValue(let setting, _, _) = error else { Issue.record("\(error)"); continue }
                #expect(setting == Key.identity)
            }
        }
        var badPort = ConnectorConfig(host: "h")
        badPort.curve = false
        badPort.port = 70000
        #expect(throws: ConnectorConfigError.self) { try badPort.validated() }
        var badHeartbeat = ConnectorConfig(host: "h")
        badHeartbeat.curve = false
        badHeartbeat.heartbeat = .milliseconds(99)
        #expect(throws: ConnectorConfigError.self) { try badHeartbeat.validated() }
    }

    @Test func fileAndKeyFileErrorsNameTheFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.cfg").path
        #expect(throws: ConnectorConfigError.unreadableFile(path: missing, reason: "does not exist")) {
            try ConnectorConfig.load(path: missing)
        }
        #expect(throws: ConnectorConfigError.unreadableFile(path: dir.path, reason: "is not a regular file")) {
            try ConnectorConfig.load(path: dir.path)
        }

        try CurveKeyFile.write(.generate(), basePath: dir.appendingPathComponent("broker").path)
        try CurveKeyFile.write(.generate(), basePath: dir.appendingPathComponent("node").path)
        try CurveKeyFile.write(.generate(), basePath: dir.appendingPathComponent("other").path)
        let short = dir.appendingPathComponent("short.public")
        try Data("abc\n".utf8).write(to: short)
        let file = dir.appendingPathComponent("client.cfg")
        try Data("""
            plugin.zeromq.broker.host = 127.0.0.1
            plugin.zeromq.broker.public_key = \(dir.path)/broker.public
            plugin.zeromq.public_key = \(dir.path)/node.public
            plugin.zeromq.private_key = \(dir.path)/node.private
            """.utf8).write(to: file)
        var config = try ConnectorConfig.load(path: file.path)
        _ = try config.security()

        config.brokerPublicKeyFile = short.path
        do {
            _ = try config.security()
            Issue.record("a malformed broker key file was accepted")
        } catch {
            #expect(error.description == "\(Key.brokerPublicKey): broker public key file \(short.path): expected 40 Z85 characters, got 3")
        }
        config.brokerPublicKeyFile = dir.appendingPathComponent("broker.public").path
        config.publicKeyFile = dir.appendingPathComponent("absent.public").path
        do {
            _ = try config.security()
            Issue.record("a missing public key file was accepted")
        } catch {
            #expect(error.description == "\(Key.publicKey): public key file \(dir.path)/absent.public: does not exist")
        }
        config.publicKeyFile = dir.appendingPathComponent("node.public").path
        config.privateKeyFile = short.path
        do {
            _ = try config.security()
            Issue.record("a malformed private key file was accepted")
        } catch {
            #expect(error.description.hasPrefix("\(Key.privateKey): private key file \(short.path): expected 40 Z85"))
        }
        config.privateKeyFile = dir.appendingPathComponent("other.private").path
        #expect(throws: ConnectorConfigError.keyMismatch(publicFile: "\(dir.path)/node.public", privateFile: "\(dir.path)/other.private")) {
            try config.security()
        }

        // The connector reports config errors as MC0ConnectorError.config.
        #expect(throws: MC0ConnectorError.config(.keyMismatch(publicFile: "\(dir.path)/node.public", privateFile: "\(dir.path)/other.private"))) {
            try MC0Connector(config: config)
        }
    }
}

@Suite struct MCollectiveTopicTests {
    @Test func topicsAreNamedAsMCollectiveNamesThem() {
        #expect(MCollectiveTopic.agent(collective: "mcollective", agent: "discovery") == "mcollective discovery")
        #expect(MCollectiveTopic.node(collective: "mcollective", identity: "web1") == "mcollective nodes web1")
        #expect(MCollectiveTopic.reply(collective: "subcollective", identity: "client1", pid: 4242) == "subcollective reply client1 4242")
        #expect(MCollectiveTopic.replyToHeader == "X-REPLY-TO")
    }

    @Test func connectorTopicsUseItsIdentityAndPid() throws {
        var config = ConnectorConfig(host: "127.0.0.1")
        config.curve = false
        config.identity = "web1"
        let connector = try MC0Connector(config: config)
        #expect(connector.replyTopic(collective: "mcollective") == "mcollective reply web1 \(getpid())")
        #expect(connector.nodeTopic(collective: "mcollective") == "mcollective nodes web1")
    }

    @Test func deliveryHelpers() {
        let d = MC0Delivery(topic: "t", headers: [(key: "X-REPLY-TO", value: Array("r".utf8))], body: [Array("a".utf8), Array("b".utf8)])
        #expect(d.replyTo == "r")
        #expect(d.header("X-NONE") == nil)
        #expect(d.bodyText == "ab")
    }
}
