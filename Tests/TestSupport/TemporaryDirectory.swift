import Foundation

/// A fresh directory under /tmp (short paths: ipc socket paths are limited to 107 bytes),
/// removed with everything in it by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        var template = Array("/tmp/mc0-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mkdtemp: errno \(errno)"])
        }
        path = String(cString: made)
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A unique name for the abstract namespace (no file to remove).
    public static func abstractName() -> String {
        "mc0-test-\(UUID().uuidString)"
    }
}
