import Foundation
import Synchronization

/// A child process whose output lines a test waits on, each wait bounded. Its stdin is a pipe
/// that stays open until ``closeInput()``: closing it (or the test process dying) stops
/// children that watch stdin.
public final class ChildProcess: Sendable {
    /// What the test calls the child in its messages.
    public let name: String
    public let process = Process()
    private let input = Pipe()
    private let lines = Mutex<[String]>([])
    private let seen = DispatchSemaphore(value: 0)
    /// Signalled once the output reached its end (the child and any children of its own that
    /// shared its stdout are gone).
    private let outputEnded = DispatchSemaphore(value: 0)

    /// Starts `executable` with `arguments`; `mergeStderr` makes its stderr lines part of
    /// what the test waits on, too.
    public init(_ executable: URL, _ arguments: [String], name: String? = nil, mergeStderr: Bool = false) throws {
        Self.ignoreBrokenPipes()
        self.name = name ?? executable.lastPathComponent
        let output = Pipe()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        if mergeStderr { process.standardError = output }
        try Spawner.shared.run(process)
        let handle = output.fileHandleForReading
        Thread.detachNewThread { [self] in
            var buffer = Data()
            while case let chunk = handle.availableData, !chunk.isEmpty {
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    lines.withLock { $0.append(line) }
                    seen.signal()
                }
            }
            // The last line, when the child ended without a newline (progress dots).
            if !buffer.isEmpty { lines.withLock { $0.append(String(decoding: buffer, as: UTF8.self)) } }
            seen.signal()
            outputEnded.signal()
        }
    }

    public var allLines: [String] { lines.withLock { $0 } }

    /// Everything printed so far, lines joined by newlines.
    public var output: String { allLines.joined(separator: "\n") }

    /// The lines printed so far that start with `prefix`.
    public func lines(_ prefix: String) -> [String] { allLines.filter { $0.hasPrefix(prefix) } }

    /// Waits for a line starting with `prefix`; returns it, or nil after `timeout` seconds.
    @discardableResult
    public func waitLine(_ prefix: String, timeout: Double = 20) -> String? {
        waitLines(prefix, count: 1, timeout: timeout).first
    }

    /// Waits until `count` lines starting with `prefix` were printed; returns those printed by
    /// then (fewer at the timeout).
    @discardableResult
    public func waitLines(_ prefix: String, count: Int, timeout: Double = 20) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let found = lines(prefix)
            if found.count >= count || Date() >= deadline { return found }
            _ = seen.wait(timeout: .now() + min(0.2, max(0, deadline.timeIntervalSinceNow)))
        }
    }

    /// Waits for the child to exit and for the end of its output, bounded; kills it at the
    /// timeout. Returns its status (a killed child's is the signal's number).
    @discardableResult
    public func waitExit(timeout: Double = 60) -> Int32 {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { [process] in
            process.waitUntilExit()
            done.signal()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            kill()
            process.waitUntilExit()
        }
        if outputEnded.wait(timeout: .now() + 5) == .success { outputEnded.signal() }
        return process.terminationStatus
    }

    public func signal(_ number: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, number) }
    }

    /// Ctrl-C.
    public func interrupt() { signal(SIGINT) }

    public func kill() { signal(SIGKILL) }

    public func write(_ text: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    public func closeInput() { try? input.fileHandleForWriting.close() }

    /// A write to the stdin of a child that has just exited must fail, not end the test
    /// process with SIGPIPE.
    private static let brokenPipesIgnored: Bool = {
        Glibc.signal(SIGPIPE, SIG_IGN)
        return true
    }()
    private static func ignoreBrokenPipes() { _ = brokenPipesIgnored }
}
