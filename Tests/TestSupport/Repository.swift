import Foundation

/// Paths of the repository, for tests that run fixtures or built products.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let fixtures = root.appendingPathComponent("Fixtures")

    /// A product built by `swift build` next to the test binary (mc0d, mc0): on Linux the
    /// test bundle is an executable in the build's bin directory.
    public static func builtProduct(_ name: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }
}
