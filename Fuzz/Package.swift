// swift-tools-version: 6.1
// Fuzz targets for mc0, kept out of the root package so `swift build` there never builds them.
// Build and run them with Fuzz/run (libFuzzer + AddressSanitizer).
import PackageDescription

let targets = ["fuzz-frames", "fuzz-null-handshake", "fuzz-curve-server", "fuzz-curve-client", "fuzz-mc0", "fuzz-undrained"]

let package = Package(
    name: "mc0-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "mc0", path: "..")],
    targets: [
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: [
            "CLibFuzzer",
            .product(name: "ZMTP", package: "mc0"),
            .product(name: "ZMTPCore", package: "mc0"),
        ]),
    ] + targets.map { name in
        .executableTarget(name: name, dependencies: [
            "FuzzSupport",
            .product(name: "ZMTP", package: "mc0"),
            .product(name: "ZMTPCore", package: "mc0"),
            .product(name: "MC0", package: "mc0"),
            .product(name: "MC0Broker", package: "mc0"),
        ])
    },
    swiftLanguageModes: [.v6]
)
