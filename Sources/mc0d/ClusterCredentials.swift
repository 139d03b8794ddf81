import NATSClient
import ZMTP

/// `--cluster-credentials FILE`: the NATS user and password, or token, kept off the command line
/// (which every local user can read with `ps`). `key = value` lines, `#` comments:
///
///     user = mc0
///     password = a long random password
///
/// or `token = ...`. Read like a key file: bounded, wiped after use.
struct ClusterCredentials: Equatable {
    static let label = "NATS credentials"
    var user: String?
    var password: String?
    var token: String?

    static func load(path: String) throws(MC0DError) -> ClusterCredentials {
        let bytes: [UInt8]
        do { bytes = try CurveKeyFile.readFile(path: path, label: label, limit: 64 << 10) } catch { throw .keyFile(error) }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    static func parse(_ text: String, path: String) throws(MC0DError) -> ClusterCredentials {
        func fail(_ line: Int?, _ problem: String) -> MC0DError {
            .clusterCredentials(path: path, line: line, problem: problem)
        }
        var credentials = ClusterCredentials()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(" \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else { throw fail(index + 1, "expected KEY = VALUE") }
            let key = line[..<equals].trimmingCharacters(" \t")
            let value = String(line[line.index(after: equals)...].trimmingCharacters(" \t"))
            guard !value.isEmpty else { throw fail(index + 1, "\(key) has no value") }
            switch key {
            case "user": credentials.user = value
            case "password": credentials.password = value
            case "token": credentials.token = value
            default: throw fail(index + 1, "unknown setting '\(key.prefix(40))': use user and password, or token")
            }
        }
        switch (credentials.user != nil, credentials.password != nil, credentials.token != nil) {
        case (true, true, false), (false, false, true): return credentials
        case (_, _, true): throw fail(nil, "give user and password, or token, not both")
        case (false, false, false): throw fail(nil, "no credentials: give user and password, or token")
        default: throw fail(nil, "user and password go together")
        }
    }

    /// Used for every server whose URL carries no credentials of its own.
    func apply(to options: inout NATSClientOptions) {
        options.connect.user = user
        options.connect.password = password
        options.connect.token = token
    }
}

extension StringProtocol {
    func trimmingCharacters(_ set: String) -> SubSequence {
        guard let start = firstIndex(where: { !set.contains($0) }), let last = lastIndex(where: { !set.contains($0) }) else {
            return self[endIndex...]
        }
        return self[start...last]
    }
}
