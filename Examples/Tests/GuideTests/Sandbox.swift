import ChildProcesses
import Foundation
import Synchronization
import Testing

/// A private network namespace for one test, so that every test can use the guide's fixed
/// endpoints (tcp://*:5555, tcp://localhost:5555, ...) while others run at once. A holder process
/// made by `unshare -rn` (a user and a network namespace: no root needed where unprivileged user
/// namespaces are allowed) brings `lo` up and waits on its stdin; the programs join its
/// namespaces with `nsenter`, in a working directory of the sandbox's own so that relative
/// `ipc://` paths (lbbroker's `ipc://frontend.ipc`) never collide either. ``withSandbox(_:)``
/// stops them all at the end and removes the directory; should the test process die first,
/// the programs get SIGKILL (their parent-death signal) and the holder sees its stdin end.
final class Sandbox: Sendable {
    private let holder: ChildProcess
    private let programs = Mutex<[ChildProcess]>([])
    private let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("guide-sandbox-\(UUID().uuidString)")

    fileprivate init() throws {
        let script = "ip link set lo up && echo ready && exec cat"
        holder = try ChildProcess(URL(fileURLWithPath: "/usr/bin/unshare"), ["-rn", "sh", "-c", script], name: "namespace", mergeStderr: true)
        guard holder.waitLine("ready", timeout: 10) != nil else {
            holder.kill()
            throw SandboxError.noNamespace(holder.allLines)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
    }

    /// Starts the example `name` (built next to the test binary) with `arguments`.
    @discardableResult
    func example(_ name: String, _ arguments: String...) throws -> ChildProcess {
        try start(Paths.build.appendingPathComponent(name).path, arguments, name: name)
    }

    /// Starts the pyzmq peer `Peers/<name>.py` with `arguments`.
    @discardableResult
    func peer(_ name: String, _ arguments: String...) throws -> ChildProcess {
        try start("python3", ["-u", Paths.peers.appendingPathComponent("\(name).py").path] + arguments, name: "\(name).py")
    }

    private func start(_ command: String, _ arguments: [String], name: String) throws -> ChildProcess {
        // nsenter and setpriv exec what follows, so the program's pid is the one signals go
        // to. setpriv comes last, as entering the namespaces may clear a parent-death signal.
        let enter = ["-t", "\(holder.process.processIdentifier)", "-U", "-n", "--preserve-credentials",
                     "--wd=\(directory.path)", "/usr/bin/setpriv", "--pdeathsig", "KILL", command] + arguments
        let program = try ChildProcess(URL(fileURLWithPath: "/usr/bin/nsenter"), enter, name: name, mergeStderr: true)
        programs.withLock { $0.append(program) }
        return program
    }

    /// Interrupts what still runs, kills what does not stop at once, then ends the holder.
    fileprivate func stop() {
        let running = programs.withLock { $0 }.filter(\.process.isRunning)
        for program in running { program.interrupt() }
        for program in running { program.waitExit(timeout: 5) }
        holder.closeInput()
        holder.waitExit(timeout: 5)
        try? FileManager.default.removeItem(at: directory)
    }
}

enum SandboxError: Error, CustomStringConvertible {
    case noNamespace([String])

    var description: String {
        switch self {
        case .noNamespace(let output):
            return """
                could not make a private network namespace with `unshare -rn` (needs util-linux's \
                unshare and nsenter, iproute2's ip, and root or unprivileged user namespaces: \
                sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0): \
                \(output.joined(separator: " | "))
                """
        }
    }
}

/// Runs `body` with a fresh sandbox, and stops every program it started when `body` ends.
func withSandbox(_ body: (Sandbox) throws -> Void) throws {
    let sandbox = try Sandbox()
    defer { sandbox.stop() }
    try body(sandbox)
}

/// Where the examples and the peers are.
enum Paths {
    /// The build's bin directory: on Linux the test bundle is an executable there.
    static let build = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static let peers = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Peers")
}
