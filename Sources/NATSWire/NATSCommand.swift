/// What a client says in CONNECT.
public struct NATSConnectOptions: Equatable, Sendable {
    /// The client name servers show in their monitoring.
    public var name: String = ""
    /// User and password, for servers that require them.
    public var user: String?
    /// The password of `user`.
    public var password: String?
    /// An authorization token, for servers that require one.
    public var token: String?
    /// false: the server does not send our own publications back to our subscriptions.
    public var echo = false
    /// true: the server answers every command with +OK (off: only errors are answered).
    public var verbose = false
    /// true: the server checks subjects strictly.
    public var pedantic = false
    /// The client version the server shows in its monitoring.
    public var version = "0"

    /// No credentials, echo off.
    public init() {}
}

/// Encodes the client's commands, appending to an output buffer. Subjects are checked (no
/// blanks, no control characters, not empty, bounded), so a caller cannot inject a command.
public enum NATSCommand {
    /// Longest subject accepted; keeps every control line we send below the server's 4096.
    public static let maxSubjectLength = 2048

    /// `CONNECT {json}`.
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

    /// `PUB subject size` and the payload; throws for an invalid subject or a payload over `maxPayload`.
    public static func publish(subject: String, payload: [UInt8], maxPayload: Int, into out: inout [UInt8]) throws(NATSWireError) {
        try check(subject)
        guard payload.count <= maxPayload else { throw .publishTooLarge(size: payload.count, limit: maxPayload) }
        out.append(contentsOf: "PUB \(subject) \(payload.count)\r\n".utf8)
        out.append(contentsOf: payload)
        out.append(contentsOf: [13, 10])
    }

    /// `SUB subject sid`.
    public static func subscribe(subject: String, sid: UInt64, into out: inout [UInt8]) throws(NATSWireError) {
        try check(subject)
        out.append(contentsOf: "SUB \(subject) \(sid)\r\n".utf8)
    }

    /// `UNSUB sid`.
    public static func unsubscribe(sid: UInt64, into out: inout [UInt8]) {
        out.append(contentsOf: "UNSUB \(sid)\r\n".utf8)
    }

    /// `PING`: the server answers PONG.
    public static func ping(into out: inout [UInt8]) { out.append(contentsOf: "PING\r\n".utf8) }
    /// `PONG`, the answer to a server's PING.
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
