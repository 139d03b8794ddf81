// swift-tools-version: 6.1
// The ZeroMQ Guide's examples (chapters 1-4) on mc0's ZMTP, kept out of the root package so its
// `swift build` never builds them. Each name below is one executable, named as the guide names
// it, whose sources are in Sources/<name>/. Run one with `swift run hwserver`; scripts/test
// builds them all and runs Tests/GuideTests.
import PackageDescription

// One list per group of examples, each with a comment line of its own, so that groups written
// on different branches merge without conflicts.
// Chapter 1: basics.
let chapter1 = ["hwserver", "hwclient", "wuserver", "wuclient", "taskvent", "taskwork", "tasksink"]
// Chapter 2: several sockets, brokers and proxies, errors and interrupts.
let chapter2 = ["msreader", "mspoller", "rrclient", "rrworker", "rrbroker", "msgqueue", "wuproxy", "taskwork2", "tasksink2", "interrupt"]
// Chapter 2: threads, node coordination, envelopes.
let chapter2Threads = ["mtserver", "mtrelay", "syncpub", "syncsub", "psenvpub", "psenvsub"]
// Chapter 3: advanced request-reply.
let chapter3 = ["identity", "rtreq", "rtdealer", "lbbroker", "asyncsrv"]
// Chapter 4: reliable request-reply.
let chapter4 = ["lpclient", "lpserver", "spqueue", "spworker", "ppqueue", "ppworker"]
// Chapter 4: Majordomo, on the Majordomo library (the guide's mdcliapi and mdwrkapi).
let majordomo = ["mdbroker", "mdclient", "mdworker"]

let examples = chapter1 + chapter2 + chapter2Threads + chapter3 + chapter4

let package = Package(
    name: "mc0-examples",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "mc0", path: "..")],
    targets: [
        .target(name: "GuideSupport", dependencies: [.product(name: "ZMTP", package: "mc0")]),
        .testTarget(name: "GuideTests", dependencies: [.product(name: "ChildProcesses", package: "mc0")]),
    ] + examples.map { name in
        .executableTarget(name: name, dependencies: ["GuideSupport", .product(name: "ZMTP", package: "mc0")])
    } + [
        .target(name: "Majordomo", dependencies: ["GuideSupport", .product(name: "ZMTP", package: "mc0")]),
    ] + majordomo.map { name in
        .executableTarget(name: name, dependencies: ["GuideSupport", "Majordomo", .product(name: "ZMTP", package: "mc0")])
    },
    swiftLanguageModes: [.v6]
)
