import ArgumentParser
import Logging
import MC0Connector
import Synchronization

/// The connection flags every broker-facing subcommand shares: a config file, and flags that
/// override its settings.
struct BrokerOptions: ParsableArguments {
    @Option(name: .long, help: "MCollective-style config file (key = value lines, # comments).")
    var config: String?
    @Option(help: "Broker host (plugin.zeromq.broker.host); replaces a plugin.zeromq.pool of the config file.")
    var host: String?
    @Option(help: "Broker port (plugin.zeromq.broker.port, default 61616).")
    var port: Int?
    @Flag(help: "Connect without CURVE (plugin.zeromq.curve = false): test brokers only.")
    var noCurve = false
    @Option(help: "Broker public key file (plugin.zeromq.broker.public_key).")
    var brokerKey: String?
    @Option(help: "This client's public key file (plugin.zeromq.public_key).")
    var publicKey: String?
    @Option(help: "This client's private key file (plugin.zeromq.private_key).")
    var privateKey: String?
    @Option(help: "Identity: names this client in topics and routing ids (default: the host name).")
    var identity: String?
    @Option(help: "Heartbeat in seconds (plugin.zeromq.heartbeat, default 30).")
    var heartbeat: String?
    @Option(help: "Seconds to wait for the broker's answer to CONNECT.")
    var connectTimeout: Double = 10
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    /// The config file's settings with the flags applied.
    func makeConfig() throws -> ConnectorConfig {
        var result = ConnectorConfig()
        if let config { result = try ConnectorConfig.load(path: config) }
        if let host {
            result.host = host
            result.poolSize = nil   // one broker named on the command line, not the file's pool
        }
        if let port { try result.set(ConnectorConfig.Key.port, String(port)) }
        if noCurve { result.curve = false }
        if let brokerKey { result.brokerPublicKeyFile = brokerKey }
        if let publicKey { result.publicKeyFile = publicKey }
        if let privateKey { result.privateKeyFile = privateKey }
        if let identity { result.identity = identity }
        if let heartbeat { try result.set(ConnectorConfig.Key.heartbeat, heartbeat) }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be more than 0 seconds") }
        result.connectTimeout = .milliseconds(Int(connectTimeout * 1000))
        return try result.validated()
    }

    /// A connector from the options (not connected yet), with logging set up on stderr.
    func makeConnector() throws -> MC0Connector {
        setUpLogging()
        return try MC0Connector(config: makeConfig())
    }

    func setUpLogging() {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        loggingConfigured.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    func validate() throws {
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level '\(logLevel)': use trace, debug, info, notice, warning, error or critical")
        }
    }
}

private let loggingConfigured = Mutex(false)
