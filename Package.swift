// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "mc0",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ZMTP", targets: ["ZMTP"]),
        .library(name: "ZMTPCore", targets: ["ZMTPCore"]),
        .library(name: "MC0", targets: ["MC0"]),
        .library(name: "MC0Broker", targets: ["MC0Broker"]),
        .library(name: "MC0Connector", targets: ["MC0Connector"]),
        .library(name: "NATSWire", targets: ["NATSWire"]),
        .library(name: "NATSClient", targets: ["NATSClient"]),
        .executable(name: "mc0d", targets: ["mc0d"]),
        .executable(name: "mc0", targets: ["mc0"]),
        .executable(name: "zmtp-perf", targets: ["zmtp-perf"]),
        .executable(name: "zmtp", targets: ["zmtp"]),
        // Test support only: the child processes (pyzmq peers, mc0d, the Guide's examples) that
        // this package's tests and the Examples package's tests start. A product so that
        // Examples/Tests can use it; it is no part of the ZMTP API.
        .library(name: "ChildProcesses", targets: ["ChildProcesses"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),  // Meter
        // `swift package generate-documentation` (scripts/docs); a command plugin, so nothing of
        // it is built into the products.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CLinux"),
        // The sans-I/O core: codecs, mechanisms, the connection state machine. No Glibc, Foundation,
        // Dispatch or CLinux here (Tests/ZMTPTests/CoreImportTests.swift fails otherwise).
        .target(name: "ZMTPCore", dependencies: [
            "CSodium",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "ZMTP", dependencies: [
            "ZMTPCore", "CLinux",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "MC0"),
        // The NATS client protocol without I/O (codec and INFO reader), and its connection
        // on the ZMTP event loop.
        .target(name: "NATSWire"),
        .target(name: "NATSClient", dependencies: [
            "NATSWire", "ZMTP",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MC0Broker", dependencies: [
            "MC0", "ZMTP", "NATSClient", "NATSWire",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "MC0Connector", dependencies: [
            "MC0", "ZMTP",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "mc0d", dependencies: [
            "MC0Broker", "MC0", "ZMTP", "NATSClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .executableTarget(name: "mc0", dependencies: [
            "MC0Connector", "MC0", "ZMTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "zmtp-perf", dependencies: [
            "ZMTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "zmtp", dependencies: [
            "ZMTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "ChildProcesses", path: "Tests/ChildProcesses"),
        .target(name: "TestSupport", dependencies: ["ZMTP", "ChildProcesses"], path: "Tests/TestSupport"),
        .testTarget(name: "ZMTPTests", dependencies: ["ZMTP", "ZMTPCore", "TestSupport"]),
        .testTarget(name: "MC0Tests", dependencies: ["MC0", "TestSupport"]),
        .testTarget(name: "NATSTests", dependencies: ["NATSWire", "NATSClient", "ZMTP", "TestSupport"]),
        .testTarget(name: "MC0BrokerTests", dependencies: ["MC0Broker", "MC0", "ZMTP", "NATSWire", "TestSupport"]),
        .testTarget(name: "MC0ConnectorTests", dependencies: ["MC0Connector", "MC0", "ZMTP", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
