/// An endpoint in ZeroMQ's text form: tcp://HOST:PORT, ipc://PATH, ipc://@NAME or inproc://NAME.
public struct Endpoint: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Where an endpoint leads, by transport.
    public enum Address: Equatable, Hashable, Sendable {
        /// A TCP host (IPv4/IPv6 literal without brackets, host name, or "*" for every
        /// interface) and port (0 asks the kernel for an ephemeral port when binding).
        case tcp(host: String, port: UInt16)
        /// A Unix stream socket at a file-system path.
        case ipc(path: String)
        /// A Unix stream socket in Linux's abstract namespace (written ipc://@NAME): no file,
        /// gone with the last socket that holds it.
        case ipcAbstract(name: String)
        /// A socket of this process, found by the name it was bound to.
        case inproc(name: String)
    }

    /// The transport and its address.
    public var address: Address

    /// The longest ipc path, in bytes (with the "@" of an abstract name): sun_path holds 108
    /// bytes, one of them the terminating zero libzmq keeps.
    public static let maxIPCPathBytes = 107

    /// A TCP endpoint for `host` (without brackets for IPv6) and `port`.
    public init(host: String, port: UInt16) {
        address = .tcp(host: host, port: port)
    }

    /// An endpoint of any transport.
    public init(_ address: Address) {
        self.address = address
    }

    /// The TCP host; empty for other transports.
    public var host: String {
        if case .tcp(let host, _) = address { return host }
        return ""
    }

    /// The TCP port (the real one once bound); 0 for other transports.
    public var port: UInt16 {
        if case .tcp(_, let port) = address { return port }
        return 0
    }

    /// Parses "tcp://HOST:PORT", "tcp://[IPV6]:PORT", "tcp://*:PORT", "ipc://PATH",
    /// "ipc://@NAME" or "inproc://NAME". A port of "*" means 0 (ephemeral), as in libzmq.
    /// Interface names, "source;destination" forms and the ipc wildcard "ipc://*" are refused.
    public static func parse(_ text: String) throws(EndpointError) -> Endpoint {
        if text.isEmpty { throw .empty }
        guard let schemeEnd = text.firstRange(of: "://") else { throw .missingScheme(text) }
        let scheme = String(text[..<schemeEnd.lowerBound])
        let rest = text[schemeEnd.upperBound...]
        switch scheme {
        case "tcp": return try parseTCP(rest, endpoint: text)
        case "ipc": return try parseIPC(rest, endpoint: text)
        case "inproc":
            if rest.isEmpty { throw .emptyName(text) }
            return Endpoint(.inproc(name: String(rest)))
        default: throw .unsupportedScheme(scheme: scheme, endpoint: text)
        }
    }

    /// A path, or "@" and an abstract name; the sockaddr_un must hold it (libzmq's limit).
    private static func parseIPC(_ rest: Substring, endpoint text: String) throws(EndpointError) -> Endpoint {
        if rest.isEmpty || rest == "@" { throw .emptyName(text) }
        if rest == "*" { throw .ipcWildcard(text) }
        if rest.utf8.contains(0) { throw .zeroByteInPath(text) }
        if rest.utf8.count > maxIPCPathBytes {
            throw .pathTooLong(path: String(rest), bytes: rest.utf8.count, limit: maxIPCPathBytes)
        }
        if rest.hasPrefix("@") { return Endpoint(.ipcAbstract(name: String(rest.dropFirst()))) }
        return Endpoint(.ipc(path: String(rest)))
    }

    private static func parseTCP(_ rest: Substring, endpoint text: String) throws(EndpointError) -> Endpoint {

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

    /// "tcp://127.0.0.1:5555" ("tcp://[::1]:5555" for IPv6 literals), "ipc:///run/x.sock",
    /// "ipc://@name" or "inproc://name": the text `parse` takes.
    public var description: String {
        switch address {
        case .tcp(let host, let port): return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        case .ipc(let path): return "ipc://\(path)"
        case .ipcAbstract(let name): return "ipc://@\(name)"
        case .inproc(let name): return "inproc://\(name)"
        }
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
