// swift-tools-version: 6.1
// The ZeroMQ Guide's examples (chapters 1-4) on mc0's ZMTP, kept out of the root package so its
// `swift build` never builds them. Every directory of Sources/ but the libraries is one example
// executable, named as the guide names it: adding an example is adding Sources/<name>/main.swift.
// Run one with `swift run hwserver`; scripts/test builds them and runs Tests/GuideTests.
import Foundation
import PackageDescription

/// What the examples share: GuideSupport (flags, Ctrl-C), Majordomo (the guide's mdcliapi and
/// mdwrkapi).
let libraries = ["GuideSupport", "Majordomo"]
let examples = try FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/Sources")
    .filter { !$0.hasPrefix(".") && !libraries.contains($0) }
    .sorted()

let package = Package(
    name: "mc0-examples",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "mc0", path: "..")],
    targets: [
        .target(name: "GuideSupport", dependencies: [.product(name: "ZMTP", package: "mc0")]),
        .target(name: "Majordomo", dependencies: ["GuideSupport", .product(name: "ZMTP", package: "mc0")]),
        .testTarget(name: "GuideTests"),
    ] + examples.map { name in
        .executableTarget(name: name, dependencies: libraries.map { .target(name: $0) } + [.product(name: "ZMTP", package: "mc0")])
    },
    swiftLanguageModes: [.v6]
)
