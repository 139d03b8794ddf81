import ZMTP

/// A connector setting or key file that is missing or wrong. Every description names the
/// setting or the file and says what to do.
public enum ConnectorConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The config file cannot be opened or read.
    case unreadableFile(path: String, reason: String)
    /// A line that is neither blank, a `#` comment, nor `key = value`.
    case malformedLine(path: String, line: Int, text: String)
    /// A required setting has no value (in the file or in code).
    case missingSetting(String, why: String)
    /// A setting whose value cannot be used.
    case invalidValue(setting: String, value: String, expected: String)
    /// A key file named by `setting` is missing, unreadable or not a key.
    case keyFile(setting: String, CurveKeyFileError)
    /// The public key file does not hold the public half of the private key file.
    case keyMismatch(publicFile: String, privateFile: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "config file \(path): \(reason)"
        case .malformedLine(let path, let line, let text):
            return "config file \(path) line \(line): expected 'key = value' or a '#' comment, got '\(text)'"
        case .missingSetting(let setting, let why):
            return "\(setting) is not set: \(why)"
        case .invalidValue(let setting, let value, let expected):
            return "\(setting) = '\(value)': expected \(expected)"
        case .keyFile(let setting, let error):
            return "\(setting): \(error)"
        case .keyMismatch(let publicFile, let privateFile):
            return "plugin.zeromq.public_key file \(publicFile) does not hold the public key of plugin.zeromq.private_key file \(privateFile): use the pair written together (NAME.public and NAME.private)"
        }
    }
}
