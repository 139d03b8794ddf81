/// Why an endpoint text was refused, or why its host could not be turned into an address.
public enum EndpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The endpoint text is empty.
    case empty
    /// No "scheme://" prefix at all.
    case missingScheme(String)
    /// A scheme other than tcp (ipc, inproc, pgm... are not implemented).
    case unsupportedScheme(scheme: String, endpoint: String)
    /// No host between "tcp://" and the port.
    case missingHost(String)
    /// No ":PORT" after the host.
    case missingPort(String)
    /// Port text that is not a decimal number in 0...65535.
    case badPort(port: String, endpoint: String)
    /// An IPv6 literal written without brackets ("tcp://::1:5").
    case ipv6NeedsBrackets(String)
    /// Characters that cannot appear in a host name or IP literal.
    case badHost(host: String, endpoint: String)
    /// "*" means every local interface: it can be bound, not dialled.
    case wildcardConnect(String)
    /// getaddrinfo found no usable address for the host.
    case unresolvable(host: String, reason: String)

    /// The endpoint and what is wrong with it, with the forms accepted.
    public var description: String {
        let form = "expected tcp://HOST:PORT, tcp://[IPV6]:PORT or tcp://*:PORT"
        switch self {
        case .empty:
            return "empty endpoint: \(form)"
        case .missingScheme(let e):
            return "endpoint '\(e)' has no scheme: \(form)"
        case .unsupportedScheme(let s, let e):
            return "endpoint '\(e)': transport '\(s)' is not supported, only tcp:// is"
        case .missingHost(let e):
            return "endpoint '\(e)' has no host: \(form)"
        case .missingPort(let e):
            return "endpoint '\(e)' has no port: \(form)"
        case .badPort(let p, let e):
            return "endpoint '\(e)': port '\(p)' is not a number from 0 to 65535"
        case .ipv6NeedsBrackets(let e):
            return "endpoint '\(e)': put an IPv6 address in brackets, as in tcp://[::1]:5555"
        case .badHost(let h, let e):
            return "endpoint '\(e)': host '\(h)' is not a valid host name or IP address"
        case .wildcardConnect(let e):
            return "endpoint '\(e)': '*' (all interfaces) can be bound but not connected to; name a host"
        case .unresolvable(let h, let r):
            return "cannot resolve host '\(h)': \(r)"
        }
    }
}
