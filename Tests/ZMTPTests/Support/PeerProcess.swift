import Foundation
import Synchronization

/// A child process (a pyzmq peer from Fixtures/) whose stdout lines a test waits on, each wait
/// bounded. Its stdin is a pipe: closing it (or the test process dying) stops the peer.
final class PeerProcess: @unchecked Sendable {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let lines = Mutex<[String]>([])
    private let seen = DispatchSemaphore(value: 0)

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", PeerProcess.fixtures.appendingPathComponent("zmq_peer.py").path] + arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        try process.run()
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

    /// Waits for a line starting with `prefix`; returns it, or nil after `timeout`.
    func waitLine(_ prefix: String, timeout: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let line = lines.withLock({ $0.first { $0.hasPrefix(prefix) } }) { return line }
            if Date() >= deadline { return nil }
            _ = seen.wait(timeout: .now() + min(0.2, max(0, deadline.timeIntervalSinceNow)))
        }
    }

    var allLines: [String] { lines.withLock { $0 } }

    /// The endpoint the peer printed after bind/connect.
    func endpoint() throws -> String {
        guard let line = waitLine("ENDPOINT ") else { throw PeerError.noEndpoint(allLines) }
        return String(line.dropFirst("ENDPOINT ".count))
    }

    /// Waits for the process to exit, bounded; kills it on timeout. Returns the exit status.
    @discardableResult
    func waitExit(timeout: Double = 60) -> Int32 {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { [process] in process.waitUntilExit(); done.signal() }
        if done.wait(timeout: .now() + timeout) == .timedOut { kill(); process.waitUntilExit() }
        return process.terminationStatus
    }

    /// Closes stdin (an echo peer exits) and waits.
    func stop() {
        try? stdinPipe.fileHandleForWriting.close()
        waitExit(timeout: 10)
    }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    enum PeerError: Error { case noEndpoint([String]) }
}
