extension PlainUsers {
    /// Largest users file accepted.
    static let fileLimit = 16 << 20

    /// Reads and parses a users file (see `parse(_:path:)` for its format).
    public static func load(path: String) throws(PlainUsersFileError) -> PlainUsers {
        let content: [UInt8]
        do {
            content = try CurveKeyFile.readFile(path: path, label: "users", limit: fileLimit)
        } catch {
            throw PlainUsersFileError(path: path, line: nil, problem: error.problem)
        }
        return try parse(content, path: path)
    }
}
