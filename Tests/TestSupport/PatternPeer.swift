import Foundation

/// Fixtures/pattern_peer.py: one pyzmq process holding named sockets of any type, driven one
/// command at a time (see Fixtures/README.md). Each call waits, bounded, for its numbered reply.
public final class PatternPeer: @unchecked Sendable {
    public let process: ChildProcess
    private var commands = 0

    public init() throws {
        process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                   ["python3", "-u", Repository.fixtures.appendingPathComponent("pattern_peer.py").path])
    }

    public struct Failed: Error, CustomStringConvertible {
        public let command: String
        public let reply: String?
        public var description: String { "pattern_peer: \(command) -> \(reply ?? "no reply")" }
    }

    /// Runs `command` and returns its reply without the number; nil when none came in time.
    @discardableResult
    public func call(_ command: String, timeout: Double = 20) -> String? {
        commands += 1
        process.write(command + "\n")
        return process.waitLine("\(commands) ", timeout: timeout).map { String($0.drop { $0 != " " }.dropFirst()) }
    }

    /// Runs `command` and throws unless its reply starts with OK; returns what follows OK.
    @discardableResult
    public func ok(_ command: String) throws -> String {
        let reply = call(command)
        guard let reply, reply.hasPrefix("OK") else { throw Failed(command: command, reply: reply) }
        return String(reply.dropFirst(2)).trimmingCharacters(in: .whitespaces)
    }

    /// Creates socket `name` of `type` (e.g. "SUB") with `security` ("null", "curve-server
    /// SECRET", "curve-client SERVER_PUBLIC", "plain-server USER PASS", "plain-client USER PASS").
    public func socket(_ name: String, _ type: String, _ security: String = "null") throws {
        try ok("socket \(name) \(type) \(security)")
    }

    /// Binds `name` to an ephemeral loopback port; returns the endpoint.
    public func bind(_ name: String) throws -> String { try ok("bind \(name) tcp://127.0.0.1:0") }

    public func connect(_ name: String, _ endpoint: String) throws { try ok("connect \(name) \(endpoint)") }

    /// Sends `frames`, waiting up to `timeoutMs` for room; false when there was none.
    @discardableResult
    public func send(_ name: String, _ frames: [[UInt8]], timeoutMs: Int = 5000) -> Bool {
        call("send \(name) \(timeoutMs) \(Self.hex(frames))") == "OK"
    }

    /// Sends UTF-8 `frames`.
    @discardableResult
    public func send(_ name: String, _ frames: String..., timeoutMs: Int = 5000) -> Bool {
        send(name, frames.map { Array($0.utf8) }, timeoutMs: timeoutMs)
    }

    /// The next message on `name`, or nil after `timeoutMs`.
    public func receive(_ name: String, timeoutMs: Int = 5000) -> [[UInt8]]? {
        guard let reply = call("recv \(name) \(timeoutMs)", timeout: Double(timeoutMs) / 1000 + 20), reply.hasPrefix("MSG ") else { return nil }
        return reply.dropFirst(4).split(separator: " ").map { $0 == "-" ? [] : Self.bytes(hex: $0) }
    }

    /// The next message on `name` as UTF-8 text frames.
    public func receiveText(_ name: String, timeoutMs: Int = 5000) -> [String]? {
        receive(name, timeoutMs: timeoutMs)?.map { String(decoding: $0, as: UTF8.self) }
    }

    public func subscribe(_ name: String, _ prefix: String) throws { try ok("sub \(name) \(Self.hex([Array(prefix.utf8)]))") }
    public func unsubscribe(_ name: String, _ prefix: String) throws { try ok("unsub \(name) \(Self.hex([Array(prefix.utf8)]))") }

    /// Waits for the event line `EVENT name what` (HANDSHAKE_OK, HANDSHAKE_FAILED, DISCONNECTED).
    public func event(_ name: String, _ what: String, timeout: Double = 10) -> Bool {
        process.waitLine("EVENT \(name) \(what)", timeout: timeout) != nil
    }

    /// Closes stdin and waits for the process to exit.
    public func stop() { process.stop() }

    public static func hex(_ frames: [[UInt8]]) -> String {
        frames.map { $0.isEmpty ? "-" : $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: " ")
    }

    static func bytes(hex: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }
}
