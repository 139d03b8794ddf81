/// A TCP endpoint in ZeroMQ's text form: tcp://HOST:PORT.
public struct Endpoint: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// An IPv4/IPv6 literal (without brackets), a host name, or "*" for every interface.
    public var host: String
    /// 0 asks the kernel for an ephemeral port when binding.
    public var port: UInt16

    /// A TCP endpoint.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses "tcp://HOST:PORT", "tcp://[IPV6]:PORT" or "tcp://*:PORT". A port of "*" means 0
    /// (ephemeral), as in libzmq. Interface names and "source;destination" forms are refused.
    public static func parse(_ text: String) throws(EndpointError) -> Endpoint {
        if text.isEmpty { throw .empty }
        guard let schemeEnd = text.firstRange(of: "://") else { throw .missingScheme(text) }
        let scheme = String(text[..<schemeEnd.lowerBound])
        guard scheme == "tcp" else { throw .unsupportedScheme(scheme: scheme, endpoint: text) }
        let rest = text[schemeEnd.upperBound...]

        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .badHost(host: String(rest), endpoint: text) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw .missingPort(text) }
            portText = after.dropFirst()
            guard !host.isEmpty, host.contains(":"), host.allSatisfy(isIPv6LiteralCharacter) else {
                throw .badHost(host: String(host), endpoint: text)
            }
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw .missingPort(text) }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            if host.contains(":") { throw .ipv6NeedsBrackets(text) }
            if host.isEmpty { throw .missingHost(text) }
            guard host == "*" || host.allSatisfy(isHostNameCharacter) else {
                throw .badHost(host: String(host), endpoint: text)
            }
        }
        if portText.isEmpty { throw .missingPort(text) }
        return Endpoint(host: String(host), port: try parsePort(portText, endpoint: text))
    }

    /// "tcp://127.0.0.1:5555", or "tcp://[::1]:5555" for IPv6 literals.
    public var description: String {
        host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
    }

    private static func parsePort(_ text: Substring, endpoint: String) throws(EndpointError) -> UInt16 {
        if text == "*" { return 0 }
        // UInt16(text) alone would accept "+5"; allow plain digits only, and bound the length.
        guard text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let port = UInt16(text) else {
            throw .badPort(port: String(text), endpoint: endpoint)
        }
        return port
    }

    private static func isHostNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_")
    }

    /// Hex digits and colons, dots for an embedded IPv4 tail, '%' and an interface name for a
    /// zone id (fe80::1%eth0); getaddrinfo judges the rest.
    private static func isIPv6LiteralCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == ":" || c == "." || c == "%" || c == "_")
    }
}
