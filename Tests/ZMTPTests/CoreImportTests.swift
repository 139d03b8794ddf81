import Foundation
import Testing

/// ZMTPCore is the sans-I/O core: its files may import only the modules below. The package
/// manifest gives it no Glibc-wrapping dependency, but Glibc, Foundation and Dispatch come with
/// the toolchain, so this check is what keeps them (and any new dependency) out.
@Suite struct CoreImportTests {
    static let allowed: Set<String> = ["CSodium", "Logging", "Synchronization"]

    /// Every module a Swift source imports (the first component of each `import` path),
    /// whatever attributes, access level or declaration kind the import carries.
    static func importedModules(_ source: String) -> [String] {
        let kinds: Set<Substring> = ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"]
        let modifiers: Set<Substring> = ["public", "package", "internal", "fileprivate", "private"]
        var modules: [String] = []
        for line in source.split(whereSeparator: \.isNewline) {
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
            while let first = words.first, first.hasPrefix("@") || modifiers.contains(first) { words = words.dropFirst() }
            guard words.first == "import", words.count >= 2 else { continue }
            words = words.dropFirst()
            if let kind = words.first, kinds.contains(kind), words.count >= 2 { words = words.dropFirst() }
            let path = words.first!
            modules.append(String(path.split(separator: ".").first ?? path))
        }
        return modules
    }

    static func forbiddenImports(_ source: String) -> [String] {
        importedModules(source).filter { !allowed.contains($0) }
    }

    @Test func theCheckerFindsForbiddenImports() {
        let sample = """
            import CSodium
            import Logging
            #if canImport(Glibc)
            @preconcurrency import Glibc
            #elseif canImport(Darwin)
            import Darwin
            #endif
            public import Foundation
            @_implementationOnly import CLinux
            import func Dispatch.dispatchMain
            // import Glibc in a comment is no import
            let text = "import nothing"
            """
        #expect(Self.forbiddenImports(sample) == ["Glibc", "Darwin", "Foundation", "CLinux", "Dispatch"])
        #expect(Self.forbiddenImports("import Synchronization\n@_spi(Engine) import CSodium\n").isEmpty)
    }

    @Test func coreFilesImportOnlyTheAllowedModules() throws {
        let core = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ZMTPCore")
        let files = try #require(FileManager.default.enumerator(atPath: core.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10, "no ZMTPCore sources found under \(core.path)")
        for file in files {
            let source = try String(contentsOf: core.appendingPathComponent(file), encoding: .utf8)
            let forbidden = Self.forbiddenImports(source)
            #expect(forbidden.isEmpty, "Sources/ZMTPCore/\(file) imports \(forbidden): the core does no I/O")
        }
    }
}
