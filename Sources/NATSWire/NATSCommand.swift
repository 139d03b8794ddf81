/// What a client says in CONNECT.
public struct NATSConnectOptions: Equatable, Sendable {
    public var name: String = ""
    public var user: String?
    public var password: String?
    public var token: String?
    /// false: the server does not send our own publications back to our subscriptions.
    public var echo = false
    public var verbose = false
    public var pedantic = false
    public var version = "0"

    public init() {}
}

/// Encodes the client's commands, appending to an output buffer. Subjects are checked (no
/// blanks, no control characters, not empty, bounded), so a caller cannot inject a command.
public enum NATSCommand {
    /// Longest subject accepted; keeps every control line we send below the server's 4096.
    public static let maxSubjectLength = 2048

    public static func connect(_ options: NATSConnectOptions, into out: inout [UInt8]) {
        var json = "{\"verbose\":\(options.verbose),\"pedantic\":\(options.pedantic),\"tls_required\":false"
        json += ",\"name\":\(quoted(options.name)),\"lang\":\"swift\",\"version\":\(quoted(options.version))"
        json += ",\"protocol\":1,\"echo\":\(options.echo),\"headers\":false,\"no_responders\":false"
        if let user = options.user { json += ",\"user\":\(quoted(user))" }
        if let password = options.password { json += ",\"pass\":\(quoted(password))" }
        if let token = options.token { json += ",\"auth_token\":\(quoted(token))" }
        json += "}"
        out.append(contentsOf: "CONNECT \(json)\r\n".utf8)
    }

    public static func publish(subject: String, payload: [UInt8], maxPayload: Int, into out: inout [UInt8]) throws(NATSWireError) {
        try check(subject)
        guard payload.count <= maxPayload else { throw .publishTooLarge(size: payload.count, limit: maxPayload) }
        out.append(contentsOf: "PUB \(subject) \(payload.count)\r\n".utf8)
        out.append(contentsOf: payload)
        out.append(contentsOf: [13, 10])
    }

    public static func subscribe(subject: String, sid: UInt64, into out: inout [UInt8]) throws(NATSWireError) {
        try check(subject)
        out.append(contentsOf: "SUB \(subject) \(sid)\r\n".utf8)
    }

    public static func unsubscribe(sid: UInt64, into out: inout [UInt8]) {
        out.append(contentsOf: "UNSUB \(sid)\r\n".utf8)
    }

    public static func ping(into out: inout [UInt8]) { out.append(contentsOf: "PING\r\n".utf8) }
    public static func pong(into out: inout [UInt8]) { out.append(contentsOf: "PONG\r\n".utf8) }

    /// Throws unless `subject` is a valid NATS subject for publishing and subscribing: printable
    /// ASCII without blanks, no empty tokens.
    public static func check(_ subject: String) throws(NATSWireError) {
        let utf8 = subject.utf8
        guard !utf8.isEmpty, utf8.count <= maxSubjectLength,
              utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              !subject.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw .invalidSubject(String(subject.prefix(64)))
        }
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
