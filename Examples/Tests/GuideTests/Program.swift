import Foundation
import Synchronization
import Testing

/// A child process whose output lines (stdout and stderr together) a test waits on, each wait
/// bounded. Its stdin is a pipe that stays open until ``closeInput()``.
final class Program: Sendable {
    let name: String
    private let process: Process
    private let input = Pipe()
    private let lines = Mutex<[String]>([])
    private let seen = DispatchSemaphore(value: 0)
    /// Signalled once the output reached its end (the program and its children are gone).
    private let outputEnded = DispatchSemaphore(value: 0)

    init(_ executable: URL, _ arguments: [String], name: String) throws {
        Self.ignoreBrokenPipes()
        self.name = name
        let process = Process()
        let output = Pipe()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        self.process = process
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
            // The last line, when the program ended without a newline (progress dots).
            if !buffer.isEmpty { lines.withLock { $0.append(String(decoding: buffer, as: UTF8.self)) } }
            seen.signal()
            outputEnded.signal()
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var allLines: [String] { lines.withLock { $0 } }

    /// Everything printed so far, lines joined by newlines.
    var output: String { allLines.joined(separator: "\n") }

    /// The lines printed so far that start with `prefix`.
    func lines(_ prefix: String) -> [String] { allLines.filter { $0.hasPrefix(prefix) } }

    /// Waits for a line starting with `prefix`; returns it, or nil after `timeout` seconds.
    @discardableResult
    func waitLine(_ prefix: String, timeout: Double = 20) -> String? {
        waitLines(prefix, count: 1, timeout: timeout).first
    }

    /// Waits until `count` lines starting with `prefix` were printed; returns those printed by
    /// then (fewer at the timeout).
    @discardableResult
    func waitLines(_ prefix: String, count: Int, timeout: Double = 20) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let found = lines(prefix)
            if found.count >= count || Date() >= deadline { return found }
            _ = seen.wait(timeout: .now() + min(0.2, max(0, deadline.timeIntervalSinceNow)))
        }
    }

    /// Waits for the program to exit and for the end of its output, bounded; kills it at the
    /// timeout. Returns its status (a killed program's is the signal's number).
    @discardableResult
    func waitExit(timeout: Double = 30) -> Int32 {
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

    /// Waits for the exit and expects status 0, with the program's output in the failure.
    func expectCleanExit(timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) {
        let status = waitExit(timeout: timeout)
        #expect(status == 0 && process.terminationReason == .exit,
                "\(name) ended with \(process.terminationReason == .exit ? "status" : "signal") \(status): \(allLines.suffix(20))",
                sourceLocation: sourceLocation)
    }

    func signal(_ number: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, number) }
    }

    /// Ctrl-C.
    func interrupt() { signal(SIGINT) }

    func kill() { signal(SIGKILL) }

    func write(_ text: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    func closeInput() { try? input.fileHandleForWriting.close() }

    /// A write to the stdin of a program that has just exited must fail, not end the test
    /// process with SIGPIPE.
    private static let brokenPipesIgnored: Bool = {
        Glibc.signal(SIGPIPE, SIG_IGN)
        return true
    }()
    private static func ignoreBrokenPipes() { _ = brokenPipesIgnored }
}


/// Starts every program from one thread that lives as long as the test process. The sandbox
/// has each program ask for SIGKILL when its parent dies (PR_SET_PDEATHSIG), so that a crashed
/// test leaves none running; the kernel sends that signal when the *thread* that spawned the
/// program ends, and the test runner's threads come and go. One thread also means one spawn at
/// a time, which Foundation's Process.run needs on Linux.
private final class Spawner: Sendable {
    static let shared = Spawner()

    /// A process to start, and the outcome its caller waits for.
    private final class Job: Sendable {
        let process: Process
        let error = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        init(_ process: Process) { self.process = process }
    }

    private let jobs = Mutex<[Job]>([])
    private let queued = DispatchSemaphore(value: 0)

    private init() {
        Thread.detachNewThread { [self] in
            while true {
                queued.wait()
                let job = jobs.withLock { $0.removeFirst() }
                do {
                    try Self.withNoSignalsBlocked { try job.process.run() }
                } catch {
                    job.error.withLock { $0 = error }
                }
                job.done.signal()
            }
        }
    }

    /// Starts `process` from the spawning thread.
    func run(_ process: Process) throws {
        let job = Job(process)
        jobs.withLock { $0.append(job) }
        queued.signal()
        job.done.wait()
        if let error = job.error.withLock({ $0 }) { throw error }
    }

    /// Runs `body` with no signal blocked on the calling thread. A child inherits the blocked
    /// signals of the thread that spawns it, and the test runner's threads block SIGINT among
    /// others: a child started from one would never see the SIGINT a test sends it (pyzmq
    /// peers would not stop), where one started from a shell would.
    private static func withNoSignalsBlocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var blocked = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &blocked)
        defer { pthread_sigmask(SIG_SETMASK, &blocked, nil) }
        return try body()
    }
}
