import Foundation

/// A nats-server child process (Debian's nats-server package) on loopback, with its own
/// config file. Ports are chosen by the server (-1) on the first start and kept for restarts.
public final class NATSServer: @unchecked Sendable {
    public static let executable = URL(fileURLWithPath: "/usr/sbin/nats-server")
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable.path) }

    public private(set) var clientPort: UInt16 = 0
    public private(set) var routePort: UInt16 = 0
    private let directory: URL
    private let routes: [UInt16]
    private let clusterName: String?
    private let authorization: String
    private var child: ChildProcess?

    /// - Parameters:
    ///   - cluster: a cluster name to listen for routes (nil: a lone server).
    ///   - routes: route ports of servers already running in the cluster.
    ///   - authorization: the body of an `authorization { }` block, if any.
    public init(cluster: String? = nil, routes: [UInt16] = [], authorization: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mc0-nats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.clusterName = cluster
        self.routes = routes
        self.authorization = authorization
        try start()
    }

    deinit {
        child?.kill()
        _ = child?.waitExit(timeout: 5)
        try? FileManager.default.removeItem(at: directory)
    }

    public var url: String { "nats://127.0.0.1:\(clientPort)" }

    /// Starts the server (again, on the same ports after a stop); returns once it listens.
    public func start() throws {
        var config = "listen: 127.0.0.1:\(clientPort == 0 ? "-1" : String(clientPort))\n"
        if let clusterName {
            config += "cluster {\n  name: \(clusterName)\n  listen: 127.0.0.1:\(routePort == 0 ? "-1" : String(routePort))\n"
            if !routes.isEmpty { config += "  routes: [\(routes.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ", "))]\n" }
            config += "}\n"
        }
        if !authorization.isEmpty { config += "authorization {\n\(authorization)\n}\n" }
        let file = directory.appendingPathComponent("nats.conf")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let child = try ChildProcess(Self.executable, ["-c", file.path], mergeStderr: true)
        self.child = child
        guard let client = Self.port(after: "Listening for client connections on ", in: child) else {
            throw NATSServerError.didNotStart(child.allLines)
        }
        clientPort = client
        if clusterName != nil {
            guard let route = Self.port(after: "Listening for route connections on ", in: child) else {
                throw NATSServerError.didNotStart(child.allLines)
            }
            routePort = route
        }
    }

    /// Kills the server at once (SIGKILL) and waits for it to exit.
    public func kill() {
        child?.kill()
        _ = child?.waitExit(timeout: 10)
        child = nil
    }

    /// Waits until the log shows `count` routes connected; false after `timeout`.
    public func waitRoutes(_ count: Int, timeout: Double = 10) -> Bool {
        waitUntil(timeout: timeout) {
            (child?.allLines.filter { $0.contains("Route connection created") }.count ?? 0) >= count
        }
    }

    public var log: [String] { child?.allLines ?? [] }

    private static func port(after marker: String, in child: ChildProcess) -> UInt16? {
        var port: UInt16?
        _ = waitUntil(timeout: 10) {
            if let line = child.allLines.first(where: { $0.contains(marker) }),
               let colon = line.lastIndex(of: ":") {
                port = UInt16(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            return port != nil || !child.process.isRunning
        }
        return port
    }

    /// Servers routed into one cluster; returns once every route is up.
    public static func cluster(_ count: Int = 3, authorization: String = "") throws -> [NATSServer] {
        let name = "mc0test"
        let seed = try NATSServer(cluster: name, authorization: authorization)
        var servers = [seed]
        for _ in 1..<count { servers.append(try NATSServer(cluster: name, routes: [seed.routePort], authorization: authorization)) }
        for server in servers where !server.waitRoutes(count - 1) { throw NATSServerError.routesNotUp(server.log) }
        return servers
    }
}

public enum NATSServerError: Error {
    case didNotStart([String])
    case routesNotUp([String])
}
