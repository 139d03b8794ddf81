import Foundation
import Synchronization

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

/// A child process whose stdout lines a test waits on, each wait bounded. Its stdin is a pipe:
/// closing it (or the test process dying) stops peers that watch stdin.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let lines = Mutex<[String]>([])
    private let seen = DispatchSemaphore(value: 0)

    public init(_ executable: URL, _ arguments: [String], mergeStderr: Bool = false) throws {
        Self.ignoreBrokenPipes()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        if mergeStderr { process.standardError = stdoutPipe }
        // Foundation's Process.run is not safe to call from several threads at once on Linux
        // (parallel suites crashed in its memcpy): one spawn at a time.
        try Self.spawning.withLock { _ in try Self.withNoSignalsBlocked { try process.run() } }
        let handle = stdoutPipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...nl)
                    lines.withLock { $0.append(line) }
                    seen.signal()
                }
            }
            seen.signal()
        }
    }

    private static let spawning = Mutex(())

    /// Runs `body` with no signal blocked on the calling thread. Foundation's Process hands
    /// the child the signal mask of the thread that spawns it, and the test runner's threads
    /// block SIGINT among others: a child started from one would ignore the SIGINT or SIGTERM
    /// a test sends it, where one started from a shell would not.
    private static func withNoSignalsBlocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var blocked = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &blocked)
        defer { pthread_sigmask(SIG_SETMASK, &blocked, nil) }
        return try body()
    }

    /// A pyzmq peer from Fixtures/zmq_peer.py (see Fixtures/README.md for its flags).
    public static func zmqPeer(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                         ["python3", "-u", Repository.fixtures.appendingPathComponent("zmq_peer.py").path] + arguments)
    }

    /// Waits for a line starting with `prefix`; returns it, or nil after `timeout` seconds.
    public func waitLine(_ prefix: String, timeout: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let line = lines.withLock({ $0.first { $0.hasPrefix(prefix) } }) { return line }
            if Date() >= deadline { return nil }
            _ = seen.wait(timeout: .now() + min(0.2, max(0, deadline.timeIntervalSinceNow)))
        }
    }

    /// Waits until `count` lines starting with `prefix` were printed; returns them all.
    public func waitLines(_ prefix: String, count: Int, timeout: Double = 20) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let found = lines.withLock { $0.filter { $0.hasPrefix(prefix) } }
            if found.count >= count || Date() >= deadline { return found }
            _ = seen.wait(timeout: .now() + min(0.2, max(0, deadline.timeIntervalSinceNow)))
        }
    }

    public var allLines: [String] { lines.withLock { $0 } }

    /// The endpoint a zmq_peer printed after bind/connect.
    public func endpoint() throws -> String {
        guard let line = waitLine("ENDPOINT ") else { throw ChildProcessError.noEndpoint(allLines) }
        return String(line.dropFirst("ENDPOINT ".count))
    }

    /// Waits for the process to exit, bounded; kills it on timeout. Returns the exit status.
    @discardableResult
    public func waitExit(timeout: Double = 60) -> Int32 {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { [process] in process.waitUntilExit(); done.signal() }
        if done.wait(timeout: .now() + timeout) == .timedOut { kill(); process.waitUntilExit() }
        return process.terminationStatus
    }

    /// A write to the stdin of a child that has just exited must fail, not kill the test
    /// process with SIGPIPE.
    private static let brokenPipesIgnored: Bool = { Glibc.signal(SIGPIPE, SIG_IGN); return true }()
    private static func ignoreBrokenPipes() { _ = brokenPipesIgnored }

    public func write(_ text: String) {
        try? stdinPipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// Closes stdin (a zmq_peer exits) and waits.
    public func stop() {
        try? stdinPipe.fileHandleForWriting.close()
        waitExit(timeout: 10)
    }

    public func signal(_ sig: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, sig) }
    }

    public func kill() { signal(SIGKILL) }

    public enum ChildProcessError: Error { case noEndpoint([String]) }
}
