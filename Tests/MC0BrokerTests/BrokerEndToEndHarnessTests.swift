import Foundation
import TestSupport
import Testing

// Shared helpers for the end-to-end tests: the mc0d process built next to the test bundle,
// and pyzmq mc0 clients from Fixtures/mc0_client.py.

enum BuiltBroker {
    /// mc0d from the same build as the tests (`swift build --build-tests` builds it too).
    static let url = Repository.builtProduct("mc0d")
}

/// A temporary directory removed at deinit.
final class ScratchDirectory: Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mc0d-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// An mc0d process on 127.0.0.1 with an ephemeral port; CURVE with a key pair generated in a
/// scratch data directory unless `--no-curve` is among the extra arguments. Its stdout and
/// stderr (the log) are read together.
final class BrokerProcess: Sendable {
    let child: ChildProcess
    let endpoint: String
    /// The broker's public key (Z85), nil with --no-curve.
    let publicKey: String?
    let data: ScratchDirectory

    init(_ extra: [String] = [], logLevel: String = "info") throws {
        data = try ScratchDirectory()
        var arguments = ["--bind", "127.0.0.1", "--port", "0", "--stats-interval", "0", "--log-level", logLevel]
        if !extra.contains("--no-curve") { arguments += ["--data-dir", data.path("keys"), "--generate-keys"] }
        child = try ChildProcess(BuiltBroker.url, arguments + extra, mergeStderr: true)
        guard let line = child.waitLine("mc0d listening on ", timeout: 20) else {
            child.kill()
            throw BrokerProcessError.didNotStart(child.allLines)
        }
        // "mc0d listening on tcp://127.0.0.1:PORT (CURVE, public key KEY)"
        let words = line.split(separator: " ")
        endpoint = String(words[3])
        publicKey = line.range(of: "public key ").map { String(line[$0.upperBound...].prefix(40)) }
    }

    /// A pyzmq mc0 client: `clientArguments` then the mode and its flags.
    func client(_ mode: [String], keys: (public: String, secret: String)? = nil, identity: String? = nil) throws -> ChildProcess {
        var arguments = ["python3", "-u", Repository.fixtures.appendingPathComponent("mc0_client.py").path, "--endpoint", endpoint]
        arguments += publicKey.map { ["--server-key=\($0)"] } ?? ["--no-curve"]
        if let keys { arguments += ["--public=\(keys.public)", "--secret=\(keys.secret)"] }
        if let identity { arguments += ["--identity", identity] }
        return try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments + mode)
    }

    /// Waits (bounded) for a log or stdout line containing `text`.
    func waitLog(_ text: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let lines = child.allLines
            if lines.contains(where: { $0.contains(text) }) { return true }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return false }
            // Returns as soon as one more line arrives, or when the time is up.
            _ = child.waitLines("", count: lines.count + 1, timeout: left)
        }
    }

    /// SIGTERM, then the exit status (bounded).
    @discardableResult
    func stop() -> Int32 {
        child.signal(SIGTERM)
        return child.waitExit(timeout: 10)
    }

    enum BrokerProcessError: Error { case didNotStart([String]) }
}

/// Script-mode client helpers: commands in, `RECV <ms> <json>` lines out.
extension ChildProcess {
    func send(_ frames: String...) { sendFrames(frames) }

    func sendFrames(_ frames: [String], filler: Int? = nil) {
        let json: String
        if let filler {
            json = String(decoding: try! JSONSerialization.data(withJSONObject: ["send": frames, "filler": filler]), as: UTF8.self)
        } else {
            json = String(decoding: try! JSONEncoder().encode(frames), as: UTF8.self)
        }
        write(json + "\n")
    }

    func silence(milliseconds: Int) { write("{\"sleep_ms\": \(milliseconds)}\n") }

    /// The messages received so far: (ms since the client started, frames).
    var received: [(ms: Int, frames: [String])] {
        allLines.filter { $0.hasPrefix("RECV ") }.map(Self.parseReceived)
    }

    /// Waits for the `count`-th received message that is not a broker heartbeat NOOP, and
    /// returns all such messages (fewer on timeout).
    func waitMessages(_ count: Int, timeout: Double = 20) -> [[String]] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            // One snapshot for both: a line arriving in between must not be waited for again.
            let snapshot = received
            let messages = snapshot.map(\.frames).filter { $0 != ["", "NOOP"] }
            let left = deadline.timeIntervalSinceNow
            if messages.count >= count || left <= 0 { return messages }
            _ = waitLines("RECV ", count: snapshot.count + 1, timeout: left)
        }
    }

    static func parseReceived(_ line: String) -> (ms: Int, frames: [String]) {
        let parts = line.split(separator: " ", maxSplits: 2)
        let frames = (try? JSONDecoder().decode([String].self, from: Data(parts[2].utf8))) ?? ["<undecodable \(line)>"]
        return (Int(parts[1]) ?? -1, frames)
    }
}

func connectFrames(ttl: Int, id: String) -> [String] {
    ["", "CONNECT", "VERSION", "0.3", "TTL", "\(ttl)", "ID", id]
}

func ok(_ id: String) -> [String] { ["", "OK", "ID", id] }

let notConnectedText = "not connected (never connected, or dropped after a TTL of silence): send CONNECT again, then retry"
