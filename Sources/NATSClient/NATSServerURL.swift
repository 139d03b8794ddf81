/// One NATS server to connect to: `nats://[user:password@|token@]host[:port]`, or the
/// `host:port` form servers advertise in `connect_urls`. Percent-escapes in the user, password
/// and token are decoded (write `%40` for an `@` in a password).
public struct NATSServerURL: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The port of a URL that gives none.
    public static let defaultPort: UInt16 = 4222

    /// A host name or an IP address (IPv6 without brackets).
    public var host: String
    /// The server's client port.
    public var port: UInt16
    /// User and password from `nats://USER:PASSWORD@...`.
    public var user: String?
    /// The password of `user`.
    public var password: String?
    /// The token from `nats://TOKEN@...`.
    public var token: String?

    /// A server, with its credentials if it needs some.
    public init(host: String, port: UInt16 = NATSServerURL.defaultPort, user: String? = nil, password: String? = nil, token: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.token = token
    }

    /// Parses one URL; throws a one-line reason.
    public static func parse(_ text: String) throws(NATSURLError) -> NATSServerURL {
        var rest = Substring(text)
        if let scheme = rest.firstRange(of: "://") {
            guard rest[..<scheme.lowerBound] == "nats" else { throw NATSURLError(url: text, reason: "the scheme must be nats://") }
            rest = rest[scheme.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var url = NATSServerURL(host: "")
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                url.user = try decode(userInfo[..<colon], text)
                url.password = try decode(userInfo[userInfo.index(after: colon)...], text)
            } else {
                url.token = try decode(userInfo, text)
            }
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw NATSURLError(url: text, reason: "unclosed [") }
            url.host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw NATSURLError(url: text, reason: "expected :PORT after ]") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            url.host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            url.host = String(rest)
        }
        guard !url.host.isEmpty, url.host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_:%".contains($0)) }) else {
            throw NATSURLError(url: text, reason: "bad host")
        }
        if let portText {
            guard portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = UInt16(portText), port > 0 else {
                throw NATSURLError(url: text, reason: "bad port '\(portText)'")
            }
            url.port = port
        }
        return url
    }

    /// Parses a comma-separated list.
    public static func parseList(_ text: String) throws(NATSURLError) -> [NATSServerURL] {
        var urls: [NATSServerURL] = []
        for part in text.split(separator: ",") {
            urls.append(try parse(String(part.filter { $0 != " " })))
        }
        guard !urls.isEmpty else { throw NATSURLError(url: text, reason: "no server given") }
        return urls
    }

    /// "nats://host:port" without credentials (safe to log).
    public var description: String {
        host.contains(":") ? "nats://[\(host)]:\(port)" : "nats://\(host):\(port)"
    }

    /// The same server regardless of credentials.
    var address: String { "\(host):\(port)" }

    private static func decode(_ part: Substring, _ text: String) throws(NATSURLError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(part.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                throw NATSURLError(url: "nats://…", reason: "bad %-escape in the credentials")
            }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A server URL that does not parse. The text never repeats credentials.
public struct NATSURLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL as given, its credentials cut out.
    public let url: String
    /// What is wrong with it.
    public let reason: String

    init(url: String, reason: String) {
        // Credentials must not reach logs or error output.
        if let at = url.lastIndex(of: "@") {
            let scheme = url.firstRange(of: "://").map { String(url[..<$0.upperBound]) } ?? ""
            self.url = scheme + "…@" + url[url.index(after: at)...]
        } else {
            self.url = url
        }
        self.reason = reason
    }

    /// One line, for error output.
    public var description: String { "NATS server URL \(url): \(reason)" }
}
