// Reading the allow-list file is I/O, so it lives here rather than beside CurveAuthorizer in ZMTPCore.
extension CurveAuthorizer {
    /// Largest allow-list file accepted (about 400 000 keys).
    static let keyListLimit = 16 << 20

    /// Reads an allow-list: one Z85 public key per line, optionally followed by spaces and a
    /// `#` comment; blank lines and lines starting with `#` are ignored. ('#' and '%' cannot
    /// start a key: their group would exceed 32 bits, so a comment is never mistaken for one.)
    public static func loadKeyList(path: String) throws(CurveKeyFileError) -> Set<CurvePublicKey> {
        let label = "authorized keys"
        let content = try CurveKeyFile.readFile(path: path, label: label, limit: keyListLimit)
        var keys = Set<CurvePublicKey>()
        for (index, rawLine) in content.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            let line = rawLine.drop(while: isSpace)
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            let token = line.prefix(while: { !isSpace($0) })
            let rest = line.dropFirst(token.count).drop(while: isSpace)
            guard rest.isEmpty || rest.first == UInt8(ascii: "#") else {
                throw CurveKeyFileError(label: label, path: path, line: index + 1,
                                        problem: "expected one key per line, found more text after the key")
            }
            let raw = try CurveKeyFile.parseKeyText(Array(token), path: path, label: label, line: index + 1)
            keys.insert(CurvePublicKey(validated: raw))
        }
        return keys
    }
}
