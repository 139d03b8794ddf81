// swift-tools-version: 6.1
// The ZeroMQ Guide's examples (chapters 1-4) on mc0's ZMTP, kept out of the root package so its
// `swift build` never builds them. Every directory of Sources/ but GuideSupport is one example
// executable, named as the guide names it: adding an example is adding Sources/<name>/main.swift.
// Run one with `swift run hwserver`; scripts/test builds them and runs Tests/GuideTests.
import Foundation
import PackageDescription

let examples = try FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/Sources")
    .filter { !$0.hasPrefix(".") && $0 != "GuideSupport" }
    .sorted()

let package = Package(
    name: "mc0-examples",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "mc0", path: "..")],
    targets: [
        .target(name: "GuideSupport", dependencies: [.product(name: "ZMTP", package: "mc0")]),
        .testTarget(name: "GuideTests"),
    ] + examples.map { name in
        .executableTarget(name: name, dependencies: ["GuideSupport", .product(name: "ZMTP", package: "mc0")])
    },
    swiftLanguageModes: [.v6]
)
