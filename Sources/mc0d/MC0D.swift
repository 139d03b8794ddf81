import ArgumentParser
import CoreMetrics
import Dispatch
import Glibc
import Logging
import MC0
import MC0Broker
import NATSClient
import ZMTP

/// mc0d: the mc0 broker. Command line compatible with the original
/// (`mc0d --bind ADDR --port PORT --curve-private-key FILE`), CURVE on by default.
@main
struct MC0D: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mc0d",
        abstract: "The mc0 broker for MCollective: a ZeroMQ ROUTER speaking mc0 0.3, CURVE by default.",
        discussion: """
        First run: `mc0d --bind 127.0.0.1 --data-dir DIR --generate-keys` creates DIR/broker.private \
        and DIR/broker.public and prints the settings MCollective nodes need. SIGHUP reloads \
        --authorized-keys; SIGTERM and SIGINT shut down cleanly.
        """,
        version: MC0Release.version)

    @Option(help: "Address to listen on: an IPv4 or IPv6 address, a host name, or * (all interfaces).")
    var bind = "0.0.0.0"

    @Option(help: "TCP port to listen on (0 picks a free port).")
    var port = 61616

    @Option(help: ArgumentHelp("The broker's CURVE secret key: a file holding 40 Z85 characters (curve_keygen's format).", valueName: "file"))
    var curvePrivateKey: String?

    @Flag(help: "Run without CURVE (ZMTP NULL: no encryption, no authentication). For tests and demos only.")
    var noCurve = false

    @Option(help: ArgumentHelp("Accept only the client public keys in this file: one Z85 key per line, # comments. Reloaded on SIGHUP.", valueName: "file"))
    var authorizedKeys: String?

    @Option(help: ArgumentHelp("Directory holding broker.private and broker.public, used when --curve-private-key is not given.", valueName: "dir"))
    var dataDir: String?

    @Flag(help: "With --data-dir: create the key pair there if it does not exist yet.")
    var generateKeys = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(help: ArgumentHelp("Seconds between stats log lines (0: none).", valueName: "seconds"))
    var statsInterval: Double = 60

    @Option(help: ArgumentHelp("Seconds a client may take to complete its ZMTP/CURVE handshake before it is dropped.", valueName: "seconds"))
    var handshakeTimeout: Double = 30

    @Option(help: ArgumentHelp("With as many connections in their handshake as mc0d takes at once (1024), one that sent no handshake step for this long may be dropped to admit a waiting one (longer when handshakes are slow lately).", valueName: "seconds"))
    var handshakeStall: Double = 2

    @Option(help: ArgumentHelp("Listen backlog: connections the kernel holds while the broker is at its cap of handshakes in progress (net.core.somaxconn caps it).", valueName: "n"))
    var backlog: Int = Int(BrokerDriver.defaultBacklog)

    @Option(help: ArgumentHelp("Seconds a client's full queue (1000 messages) may hold up the publishers feeding it (they are paused meanwhile) before the client is sent an ERROR and disconnected.", valueName: "seconds"))
    var slowConsumerTimeout: Double = 5

    @Option(help: ArgumentHelp("Microseconds the event loop keeps polling after traffic before it sleeps (0: never): lower latency for at most that much CPU per burst.", valueName: "us"))
    var busyPoll = 50

    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://ADDR:PORT/metrics (off by default; bind it to loopback or a management network: it has no authentication). Port 0 picks a free one.", valueName: "addr:port"))
    var metrics: String?

    @Option(help: ArgumentHelp("Join a cluster of brokers through these NATS servers: nats://[USER:PASSWORD@|TOKEN@]HOST:PORT, comma-separated (see docs/cluster.md).", valueName: "urls"))
    var cluster: String?

    @Option(help: ArgumentHelp("With --cluster: a file with the NATS credentials, kept off the command line: 'user = NAME' and 'password = SECRET' lines, or 'token = SECRET'.", valueName: "file"))
    var clusterCredentials: String?

    /// Checks values and combinations. Called after parsing (not as `validate()`, which
    /// ArgumentParser runs before it reports an unknown option, hiding the real mistake).
    func check() throws(ValidationError) {
        guard LogLevel(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not a level: use \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (0...65535).contains(port) else {
            throw ValidationError("--port \(port) is not a TCP port: use 1 to 65535 (or 0 for any free port)")
        }
        guard statsInterval.isFinite, statsInterval >= 0, statsInterval <= 86_400 else {
            throw ValidationError("--stats-interval \(statsInterval) is out of range: use 0 (off) to 86400 seconds")
        }
        guard handshakeTimeout.isFinite, handshakeTimeout >= 0.1, handshakeTimeout <= 3600 else {
            throw ValidationError("--handshake-timeout \(handshakeTimeout) is out of range: use 0.1 to 3600 seconds")
        }
        guard handshakeStall.isFinite, handshakeStall >= 0.1, handshakeStall <= 3600 else {
            throw ValidationError("--handshake-stall \(handshakeStall) is out of range: use 0.1 to 3600 seconds")
        }
        guard (1...Int(Int32.max)).contains(backlog) else {
            throw ValidationError("--backlog \(backlog) is out of range: use 1 or more (the kernel caps it at net.core.somaxconn)")
        }
        guard slowConsumerTimeout.isFinite, slowConsumerTimeout >= 0.01, slowConsumerTimeout <= 3600 else {
            throw ValidationError("--slow-consumer-timeout \(slowConsumerTimeout) is out of range: use 0.01 to 3600 seconds")
        }
        guard (0...10_000).contains(busyPoll) else {
            throw ValidationError("--busy-poll \(busyPoll) is out of range: use 0 (off) to 10000 microseconds")
        }
        if let cluster {
            do { _ = try NATSServerURL.parseList(cluster) } catch { throw ValidationError("--cluster: \(error)") }
        } else if clusterCredentials != nil {
            throw ValidationError("--cluster-credentials needs --cluster: the NATS servers to use them with")
        }
        if let metrics, Self.metricsEndpoint(metrics) == nil {
            throw ValidationError("--metrics '\(metrics)' is not ADDR:PORT: give e.g. --metrics 127.0.0.1:9616 or --metrics [::1]:9616")
        }
        if bind.isEmpty || bind.contains("://") || bind.contains("[") {
            throw ValidationError("--bind '\(bind)' is not an address: give a bare IP address or host name, e.g. --bind 127.0.0.1 or --bind ::1")
        }
        if noCurve {
            let clashing = [(curvePrivateKey != nil, "--curve-private-key"), (authorizedKeys != nil, "--authorized-keys"),
                            (generateKeys, "--generate-keys")].filter(\.0).map(\.1)
            if let first = clashing.first {
                throw ValidationError("--no-curve cannot be combined with \(first): CURVE options need CURVE")
            }
        } else if curvePrivateKey == nil && dataDir == nil {
            throw ValidationError("CURVE needs the broker's secret key: pass --curve-private-key FILE, or --data-dir DIR --generate-keys to create one (--no-curve runs without encryption)")
        }
        if generateKeys && dataDir == nil {
            throw ValidationError("--generate-keys needs --data-dir DIR: the directory where the key pair is created")
        }
        if generateKeys && curvePrivateKey != nil {
            throw ValidationError("--generate-keys creates the key in --data-dir; drop --curve-private-key or --generate-keys")
        }
    }

    /// Prints exactly one line on stderr for any bad input, instead of ArgumentParser's
    /// multi-line usage block; help goes to stdout.
    static func main() {
        let command: MC0D
        do {
            command = try parse()
            try command.check()
        } catch {
            if exitCode(for: error) == .success {
                Output.line(fullMessage(for: error))
                Glibc.exit(0)
            }
            let text = message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            Output.error("\(text) (see mc0d --help)")
            Glibc.exit(exitCode(for: error).rawValue)
        }
        do {
            try command.serve()
            Glibc.exit(0)
        } catch {
            Output.error("\(error)")
            Glibc.exit(1)
        }
    }

    /// Runs the broker until SIGTERM or SIGINT.
    func serve() throws(MC0DError) {
        SignalWatcher.block([SIGTERM, SIGINT, SIGHUP])
        signal(SIGPIPE, SIG_IGN)
        let keys = try BrokerKeys.load(curvePrivateKey: curvePrivateKey, dataDir: dataDir, generate: generateKeys, noCurve: noCurve)
        var authorizer: CurveAuthorizer?
        if let authorizedKeys {
            do { authorizer = CurveAuthorizer(allowed: try CurveAuthorizer.loadKeyList(path: authorizedKeys)) } catch {
                throw .keyFile(error)
            }
        }
        let level = LogLevel(rawValue: logLevel)?.level ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "mc0d")
        let security: BrokerSecurity = keys.secretKey.map { .curve(secretKey: $0, authorizer: authorizer) } ?? .null
        let host = bind == "*" ? "0.0.0.0" : bind
        let endpoint = Endpoint(host: host, port: UInt16(port)).description
        // Before the broker's socket exists: it asks the backend for its counters when made.
        let backend = metrics.map { _ in PrometheusBackend(help: SocketMetrics.help) }
        if let backend { MetricsSystem.bootstrap(backend) }
        // Parsed already by check().
        var clusterOptions = cluster.flatMap { try? NATSServerURL.parseList($0) }.map { NATSClientOptions(servers: $0) }
        if let clusterCredentials, var options = clusterOptions {
            try ClusterCredentials.load(path: clusterCredentials).apply(to: &options)
            clusterOptions = options
        }
        let driver: BrokerDriver
        do {
            var config = BrokerConfig()
            config.slowConsumerTimeout = UInt64(slowConsumerTimeout * 1_000_000_000)
            driver = try BrokerDriver(bind: endpoint, security: security, config: config,
                                      statsInterval: .milliseconds(Int64(statsInterval * 1000)),
                                      handshakeTimeout: .milliseconds(Int64(handshakeTimeout * 1000)),
                                      backlog: Int32(backlog),
                                      handshakeStallLimit: .milliseconds(Int64(handshakeStall * 1000)),
                                      busyPoll: .microseconds(busyPoll), logger: logger,
                                      cluster: clusterOptions)
        } catch {
            throw .broker(error)
        }

        let shutdown = DispatchSemaphore(value: 0)
        let signals = SignalWatcher()
        for sig in [SIGTERM, SIGINT] {
            signals.on(sig) {
                logger.notice("\(sig == SIGTERM ? "SIGTERM" : "SIGINT"): shutting down")
                driver.stop()
                shutdown.signal()
            }
        }
        let authorizedKeys = self.authorizedKeys
        signals.on(SIGHUP) {
            guard let authorizedKeys else {
                logger.notice("SIGHUP: no --authorized-keys file, nothing to reload")
                return
            }
            do {
                let keys = try CurveAuthorizer.loadKeyList(path: authorizedKeys)
                driver.replaceAuthorizedKeys(keys)
                logger.notice("SIGHUP: reloaded \(keys.count) authorized client key(s) from \(authorizedKeys)")
            } catch {
                driver.authorizedKeysReloadFailed()
                logger.error("SIGHUP: reload failed, keeping the previous authorized keys: \(error)")
            }
        }

        if keys.announceSettings, let publicKey = security.publicKey {
            Output.line(ClientSettings.text(endpoint: driver.endpoint, publicKey: publicKey,
                                            publicKeyPath: keys.publicKeyPath, generated: keys.generated))
        }
        if let metrics, let address = Self.metricsEndpoint(metrics) {
            do {
                let bound = try driver.serveMetrics(on: address, backend: backend)
                Output.line("mc0d metrics on http://\(bound.description.dropFirst("tcp://".count))/metrics")
            } catch {
                driver.stop()
                throw .broker(error)
            }
        }
        let mechanism = security.publicKey.map { "CURVE, public key \($0.z85)" } ?? "NULL, no encryption: --no-curve"
        Output.line("mc0d listening on \(driver.endpoint) (\(mechanism))")
        if let authorizedKeys {
            logger.info("only client keys listed in \(authorizedKeys) are accepted (SIGHUP reloads it)")
        }
        shutdown.wait()
    }
}

extension MC0D {
    /// "HOST:PORT" (or "[V6]:PORT") as the endpoint to serve metrics on, or nil.
    static func metricsEndpoint(_ text: String) -> String? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        let host = text[..<colon]
        guard !host.isEmpty, !host.contains("/") else { return nil }
        let address = "tcp://\(host):\(port)"
        return (try? Endpoint.parse(address)) == nil ? nil : address
    }
}

/// mc0d's --log-level values, swift-log's levels by name.
enum LogLevel: String, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}
