/// A PLAIN authenticator over a table of user names and passwords; the user id it allows a
/// client as is its user name. Immutable: load a new table to change it.
public struct PlainUsers: Authenticator {
    private let passwords: [String: [UInt8]]

    /// A table from user name to password.
    public init(_ passwords: [String: String]) {
        self.passwords = passwords.mapValues { Array($0.utf8) }
    }

    /// How many users the table holds.
    public var count: Int { passwords.count }

    public func authenticate(_ request: AuthenticationRequest) -> AuthenticationDecision {
        guard case .plain(let username, let password) = request.credentials else {
            return .deny(reason: "\(request.mechanism) peer has no PLAIN user name and password")
        }
        guard let expected = passwords[username], constantTimeEqual(expected, Array(password.utf8)) else {
            return .deny(reason: "wrong user name or password for \"\(username)\"")
        }
        return .allow(userID: username)
    }

    /// Compares without stopping at the first difference, so timing does not tell how much of a
    /// guess was right (only whether its length was).
    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// Parses a users file's text: one `user:password` per line (the password is everything
    /// after the first colon, spaces included; a CR before the newline is dropped). Blank lines
    /// and lines whose first non-blank character is `#` are skipped. Both fields must be
    /// 1-255 bytes of UTF-8 and a user may appear once. `path` only names the file in errors.
    public static func parse(_ content: [UInt8], path: String) throws(PlainUsersFileError) -> PlainUsers {
        var table: [String: String] = [:]
        for (index, rawLine) in content.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            func fail(_ problem: String) -> PlainUsersFileError {
                PlainUsersFileError(path: path, line: index + 1, problem: problem)
            }
            let line = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
            let firstText = line.first { $0 != 0x20 && $0 != 0x09 }
            if firstText == nil || firstText == UInt8(ascii: "#") { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw fail("expected user:password, found no colon") }
            guard let user = String(validating: line[..<colon], as: UTF8.self),
                  let password = String(validating: line[(colon + 1)...], as: UTF8.self) else {
                throw fail("not UTF-8 text")
            }
            let userBytes = user.utf8.count, passwordBytes = password.utf8.count
            guard (1...255).contains(userBytes) else { throw fail("the user name must be 1-255 bytes, found \(userBytes)") }
            guard (1...255).contains(passwordBytes) else { throw fail("the password must be 1-255 bytes, found \(passwordBytes)") }
            guard table.updateValue(password, forKey: user) == nil else { throw fail("user \"\(user)\" appears twice") }
        }
        return PlainUsers(table)
    }
}

/// A users file that cannot be read or parsed; the description names the file and the line.
public struct PlainUsersFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file, as given.
    public var path: String
    /// 1-based line number; nil when the file as a whole could not be read.
    public var line: Int?
    /// What is wrong, e.g. "expected user:password, found no colon".
    public var problem: String

    /// An error about `path` (at `line`, when it is one line).
    public init(path: String, line: Int?, problem: String) {
        self.path = path
        self.line = line
        self.problem = problem
    }

    /// "users file PATH line N: PROBLEM".
    public var description: String {
        "users file \(line.map { "\(path) line \($0)" } ?? path): \(problem)"
    }
}
