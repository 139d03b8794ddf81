#if canImport(Glibc)
import Glibc
#endif
import ZMTP

/// The connector's settings, named as MCollective's zeromq connector names them in
/// server.cfg / client.cfg. Read a file with `ConnectorConfig.load(path:)`, then change any
/// property in code (the `mc0` flags do exactly that); `validated()` checks the result.
public struct ConnectorConfig: Sendable, Equatable {
    /// Setting names in the config file.
    public enum Key {
        public static let host = "plugin.zeromq.broker.host"
        public static let port = "plugin.zeromq.broker.port"
        public static let curve = "plugin.zeromq.curve"
        public static let brokerPublicKey = "plugin.zeromq.broker.public_key"
        public static let publicKey = "plugin.zeromq.public_key"
        public static let privateKey = "plugin.zeromq.private_key"
        public static let heartbeat = "plugin.zeromq.heartbeat"
        public static let identity = "identity"
        /// MCollective's pool convention: `plugin.zeromq.pool.size`, then
        /// `plugin.zeromq.pool.N.host` and `plugin.zeromq.pool.N.port` for N from 1.
        public static let poolSize = "plugin.zeromq.pool.size"
        static let poolPrefix = "plugin.zeromq.pool."
    }

    /// One broker of the pool.
    public struct PoolMember: Sendable, Equatable {
        public var host: String?
        public var port = 61616

        public init(host: String? = nil, port: Int = 61616) {
            self.host = host
            self.port = port
        }
    }

    /// `plugin.zeromq.broker.host` (required): name or IP literal of the broker.
    public var host: String?
    /// `plugin.zeromq.broker.port` (61616).
    public var port: Int = 61616
    /// `plugin.zeromq.pool.size` (nil: no pool, `host` and `port` name the one broker). With a
    /// pool the connector uses `pool[0]` first and moves to the next member whenever it loses
    /// its broker; `host` and `port` are then not used.
    public var poolSize: Int?
    /// `plugin.zeromq.pool.N.host` / `.port`, N from 1 (index N - 1).
    public var pool: [PoolMember] = []
    /// `plugin.zeromq.curve` (true): CURVE encryption; off only for tests and demos.
    public var curve = true
    /// `plugin.zeromq.broker.public_key`: path of the broker's public key file (CURVE).
    public var brokerPublicKeyFile: String?
    /// `plugin.zeromq.public_key` / `plugin.zeromq.private_key`: this client's key files (CURVE).
    public var publicKeyFile: String?
    public var privateKeyFile: String?
    /// `plugin.zeromq.heartbeat` in seconds (30): the TTL sent in CONNECT.
    public var heartbeat: Duration = .seconds(30)
    /// `identity` (the host name): names this node in topics and in the routing id.
    public var identity: String = ConnectorConfig.hostName()
    /// How long CONNECT waits for the broker's OK (code only).
    public var connectTimeout: Duration = .seconds(10)
    /// How long SUB, UNSUB, PUT and ping wait for their OK, reconnection included (code only).
    public var ackTimeout: Duration = .seconds(30)
    /// Deliveries `messages` holds for the application before the connector stops reading
    /// from the broker (code only; libzmq's receive high-water mark is 1000 too).
    public var messageBuffer = 1000

    public init(host: String? = nil) {
        self.host = host
    }

    /// Reads an MCollective-style file: `key = value` lines, `#` comments, blank lines.
    /// Settings other than the connector's are ignored (server.cfg holds many); a later line
    /// wins over an earlier one, as in MCollective.
    public static func load(path: String) throws(ConnectorConfigError) -> ConnectorConfig {
        let text: String
        do {
            text = try readTextFile(path)
        } catch {
            throw .unreadableFile(path: path, reason: error.reason)
        }
        return try parse(text, path: path)
    }

    /// Parses the text of a config file; `path` is used in error messages.
    public static func parse(_ text: String, path: String) throws(ConnectorConfigError) -> ConnectorConfig {
        var config = ConnectorConfig()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw .malformedLine(path: path, line: index + 1, text: String(line.prefix(80)))
            }
            let key = line[..<equals].trimmingSpaces()
            let value = String(line[line.index(after: equals)...].trimmingSpaces())
            guard !key.isEmpty else { throw .malformedLine(path: path, line: index + 1, text: String(line.prefix(80))) }
            try config.set(String(key), value)
        }
        return config
    }

    /// Applies one `key = value` setting; unknown keys are ignored.
    public mutating func set(_ key: String, _ value: String) throws(ConnectorConfigError) {
        switch key {
        case Key.host: host = value
        case Key.port: port = try Self.parsePort(value)
        case Key.curve: curve = try Self.parseBool(value, setting: key)
        case Key.brokerPublicKey: brokerPublicKeyFile = value
        case Key.publicKey: publicKeyFile = value
        case Key.privateKey: privateKeyFile = value
        case Key.heartbeat: heartbeat = try Self.parseHeartbeat(value)
        case Key.identity: identity = value
        case Key.poolSize:
            guard value.count <= 3, value.allSatisfy({ $0.isASCII && $0.isNumber }), let size = Int(value), (1...100).contains(size) else {
                throw .invalidValue(setting: key, value: value, expected: "a number of brokers from 1 to 100")
            }
            poolSize = size
        default:
            if key.hasPrefix(Key.poolPrefix) { try setPoolMember(key, value) }
        }
    }

    /// `plugin.zeromq.pool.N.host` or `.port`; other `pool.` keys are ignored like any unknown key.
    private mutating func setPoolMember(_ key: String, _ value: String) throws(ConnectorConfigError) {
        let parts = key.dropFirst(Key.poolPrefix.count).split(separator: ".")
        guard parts.count == 2, parts[1] == "host" || parts[1] == "port" else { return }
        guard parts[0].count <= 3, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(parts[0]), (1...100).contains(index) else {
            throw .invalidValue(setting: key, value: value, expected: "a pool member numbered from 1 to 100")
        }
        while pool.count < index { pool.append(PoolMember()) }
        if parts[1] == "host" {
            pool[index - 1].host = value
        } else {
            pool[index - 1].port = try Self.parsePort(value, setting: key)
        }
    }

    /// The settings checked together: a host, a usable identity, and the key paths CURVE
    /// needs. Key files are read by `security()`.
    public func validated() throws(ConnectorConfigError) -> ConnectorConfig {
        _ = try brokerEndpoints()
        guard (1...65535).contains(port) else {
            throw .invalidValue(setting: Key.port, value: String(port), expected: "a TCP port from 1 to 65535")
        }
        let ttl = heartbeatMilliseconds
        guard (100...3_600_000).contains(ttl) else {
            throw .invalidValue(setting: Key.heartbeat, value: "\(Double(ttl) / 1000)",
                                expected: "seconds from 0.1 to 3600 (the broker accepts a TTL of 100 to 3600000 ms)")
        }
        try Self.checkIdentity(identity)
        guard messageBuffer >= 1 else {
            throw .invalidValue(setting: "messageBuffer", value: String(messageBuffer), expected: "at least 1 delivery")
        }
        if curve {
            for (setting, path) in [(Key.brokerPublicKey, brokerPublicKeyFile), (Key.publicKey, publicKeyFile),
                                    (Key.privateKey, privateKeyFile)] where path?.isEmpty ?? true {
                throw .missingSetting(setting, why: "CURVE is on (\(Key.curve)), so give the key file's path, or set \(Key.curve) = false for a test broker")
            }
        }
        return self
    }

    /// "tcp://host:port" (IPv6 literals in brackets) of the first broker.
    public func brokerEndpoint() throws(ConnectorConfigError) -> String {
        try brokerEndpoints()[0]
    }

    /// The brokers in the order the connector tries them: the pool's members, or the one
    /// broker of `plugin.zeromq.broker.host`. Never empty.
    public func brokerEndpoints() throws(ConnectorConfigError) -> [String] {
        guard let poolSize else {
            guard let host, !host.isEmpty else {
                throw .missingSetting(Key.host, why: "set it to the broker's host name or address")
            }
            return [try Self.endpoint(host: host, setting: Key.host, port: port)]
        }
        var endpoints: [String] = []
        for index in 1...poolSize {
            let setting = "\(Key.poolPrefix)\(index).host"
            guard index <= pool.count, let host = pool[index - 1].host, !host.isEmpty else {
                throw .missingSetting(setting, why: "\(Key.poolSize) is \(poolSize): give every member's host")
            }
            endpoints.append(try Self.endpoint(host: host, setting: setting, port: pool[index - 1].port))
        }
        return endpoints
    }

    private static func endpoint(host: String, setting: String, port: Int) throws(ConnectorConfigError) -> String {
        let text = Endpoint(host: host, port: UInt16(clamping: port)).description
        do {
            _ = try Endpoint.parse(text)
        } catch {
            throw .invalidValue(setting: setting, value: host, expected: "a host name, IPv4 or IPv6 address (\(error))")
        }
        return text
    }

    /// The heartbeat as the CONNECT TTL, in whole milliseconds.
    public var heartbeatMilliseconds: Int {
        let (seconds, atto) = heartbeat.components
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? Int.max : Int(clamping: ms &+ atto / 1_000_000_000_000_000)
    }

    /// The socket security from the key files: NULL when CURVE is off, else a CURVE client.
    public func security() throws(ConnectorConfigError) -> Security {
        let config = try validated()
        guard config.curve, let brokerFile = config.brokerPublicKeyFile, let publicFile = config.publicKeyFile,
              let privateFile = config.privateKeyFile else { return .null }
        let brokerKey: CurvePublicKey, publicKey: CurvePublicKey, secretKey: CurveSecretKey
        do {
            brokerKey = try CurveKeyFile.readPublic(path: brokerFile, label: "broker public key")
        } catch { throw .keyFile(setting: Key.brokerPublicKey, error) }
        do {
            publicKey = try CurveKeyFile.readPublic(path: publicFile, label: "public key")
        } catch { throw .keyFile(setting: Key.publicKey, error) }
        do {
            secretKey = try CurveKeyFile.readSecret(path: privateFile, label: "private key")
        } catch { throw .keyFile(setting: Key.privateKey, error) }
        let pair = CurveKeyPair(secretKey: secretKey)
        guard pair.publicKey == publicKey else { throw .keyMismatch(publicFile: publicFile, privateFile: privateFile) }
        return .curveClient(serverKey: brokerKey, keyPair: pair)
    }

    // MARK: Value parsing

    static func parsePort(_ value: String, setting: String = Key.port) throws(ConnectorConfigError) -> Int {
        guard value.count <= 5, value.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(value), (1...65535).contains(port) else {
            throw .invalidValue(setting: setting, value: value, expected: "a TCP port from 1 to 65535")
        }
        return port
    }

    static func parseBool(_ value: String, setting: String) throws(ConnectorConfigError) -> Bool {
        switch value.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw .invalidValue(setting: setting, value: value, expected: "true or false (also yes/no, on/off, 1/0)")
        }
    }

    static func parseHeartbeat(_ value: String) throws(ConnectorConfigError) -> Duration {
        let expected = "seconds from 0.1 to 3600 (the broker accepts a TTL of 100 to 3600000 ms)"
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let seconds = Double(value), seconds >= 0.1, seconds <= 3600 else {
            throw .invalidValue(setting: Key.heartbeat, value: value, expected: expected)
        }
        return .milliseconds(Int((seconds * 1000).rounded()))
    }

    static func checkIdentity(_ identity: String) throws(ConnectorConfigError) {
        // Topics are space-separated names, and the routing id "<identity> <pid> <n>" is at most 255 bytes.
        guard !identity.isEmpty, identity.utf8.count <= 200,
              identity.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw .invalidValue(setting: Key.identity, value: identity,
                                expected: "a non-empty name of at most 200 bytes without spaces or control characters")
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}

extension StringProtocol {
    func trimmingSpaces() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[start...last]
    }
}
