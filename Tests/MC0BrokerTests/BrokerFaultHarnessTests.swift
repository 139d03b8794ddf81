import Foundation
import Glibc
import Logging
import Synchronization
import TestSupport
import ZMTP

// Helpers for the fault tests against the mc0d binary: the broker's memory and descriptors
// from /proc, raw TCP attackers that write whatever bytes a test wants, and Swift DEALER
// clients speaking mc0. The broker itself is started with BrokerProcess (the end-to-end
// harness).

extension BrokerProcess {
    var pid: Int32 { child.process.processIdentifier }

    /// "tcp://127.0.0.1:PORT" -> PORT.
    var port: UInt16 { UInt16(endpoint.split(separator: ":").last.map(String.init) ?? "") ?? 0 }

    /// The broker's resident memory in KiB (VmRSS), or nil once it is gone.
    func residentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// The broker's open file descriptors, or nil once it is gone.
    func openDescriptors() -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    /// Polls `probe` every 50 ms until `done` holds for its value (true) or `timeout` seconds
    /// passed (false).
    func waitUntil(timeout: Double, _ probe: () -> Int?, _ done: (Int) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = probe(), done(value) { return true }
            usleep(50_000)
        }
        return false
    }

    /// The last `stats:` log line (needs --stats-interval > 0), parsed: "errors" -> 12, ...
    func lastStats() -> [String: Int]? {
        guard let line = child.allLines.last(where: { $0.contains("stats: clients=") }),
              let start = line.range(of: "stats: ") else { return nil }
        var values: [String: Int] = [:]
        for pair in line[start.upperBound...].split(separator: " ") {
            let kv = pair.split(separator: "=")
            if kv.count == 2, let n = Int(kv[1]) { values[String(kv[0])] = n }
        }
        return values
    }
}

/// Samples the broker's VmRSS every 20 ms on its own thread until stopped; keeps the peak.
final class ResidentSampler: @unchecked Sendable {
    private let peakKiB = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    init(_ broker: BrokerProcess) {
        Thread.detachNewThread { [self] in
            while running.load(ordering: .relaxed), let rss = broker.residentKiB() {
                peakKiB.max(rss, ordering: .relaxed)
                usleep(20_000)
            }
            finished.signal()
        }
    }

    /// Stops sampling and returns the peak in KiB.
    func stop() -> Int {
        running.store(false, ordering: .relaxed)
        _ = finished.wait(timeout: .now() + 2)
        return peakKiB.load(ordering: .relaxed)
    }
}

/// Raises this process's soft descriptor limit (children, mc0d included, inherit it) to at
/// least `wanted`, within the hard limit. Returns the soft limit now in force.
@discardableResult
func raiseDescriptorLimit(to wanted: Int) -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
    if limit.rlim_cur < rlim_t(wanted) {
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return Int(limit.rlim_cur)
}

/// Raw ZMTP 3.1 bytes for the NULL and CURVE mechanisms, written by hand so that a test can
/// stop or go wrong at any byte.
enum RawZMTP {
    static func greeting(mechanism: String) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 64)
        bytes[0] = 0xFF
        bytes[9] = 0x7F
        bytes[10] = 3
        bytes[11] = 1
        for (i, b) in mechanism.utf8.enumerated() { bytes[12 + i] = b }
        return bytes
    }

    /// A frame header: short (flags, 1-byte size) below 256 bytes, else long (8-byte size).
    static func header(flags: UInt8, size: UInt64) -> [UInt8] {
        if size < 256 { return [flags, UInt8(size)] }
        return [flags | 0x02] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: size >> (8 * UInt64($0))) }
    }

    static func frame(_ body: [UInt8], more: Bool) -> [UInt8] {
        header(flags: more ? 0x01 : 0, size: UInt64(body.count)) + body
    }

    static func message(_ frames: [[UInt8]]) -> [UInt8] {
        frames.indices.flatMap { frame(frames[$0], more: $0 < frames.count - 1) }
    }

    /// READY with Socket-Type DEALER, as a command frame.
    static let readyDealer: [UInt8] = {
        var body: [UInt8] = [5] + Array("READY".utf8)
        body += [11] + Array("Socket-Type".utf8) + [0, 0, 0, 6] + Array("DEALER".utf8)
        return header(flags: 0x04, size: UInt64(body.count)) + body
    }()

    /// Reads one frame: (flags, body), or nil at EOF / timeout.
    static func readFrame(_ peer: RawPeer) -> (flags: UInt8, body: [UInt8])? {
        let head = peer.read(2)
        guard head.count == 2 else { return nil }
        var size = UInt64(head[1])
        if head[0] & 0x02 != 0 {
            let rest = peer.read(7)
            guard rest.count == 7 else { return nil }
            size = ([head[1]] + rest).reduce(0) { $0 << 8 | UInt64($1) }
        }
        let body = peer.read(Int(size))
        return body.count == Int(size) ? (head[0], body) : nil
    }

    /// Reads one multipart message (command frames skipped), or nil at EOF / timeout.
    static func readMessage(_ peer: RawPeer) -> [String]? {
        var frames: [String] = []
        while let (flags, body) = readFrame(peer) {
            if flags & 0x04 != 0 { continue }
            frames.append(String(decoding: body, as: UTF8.self))
            if flags & 0x01 == 0 { return frames }
        }
        return nil
    }
}

extension RawPeer {
    /// A raw NULL client through its handshake (greetings and READYs exchanged).
    static func nullClient(port: UInt16, timeoutSeconds: Int = 10) throws -> RawPeer {
        let peer = try RawPeer(port: port, timeoutSeconds: timeoutSeconds)
        peer.write(RawZMTP.greeting(mechanism: "NULL") + RawZMTP.readyDealer)
        guard peer.read(64).count == 64, let ready = RawZMTP.readFrame(peer), ready.flags & 0x04 != 0 else {
            throw RawHandshakeFailed()
        }
        return peer
    }

    /// Sends mc0 frames (text) and returns the next reply that is not a broker NOOP.
    func request(_ frames: [String]) -> [String]? {
        write(RawZMTP.message(frames.map { Array($0.utf8) }))
        while let reply = RawZMTP.readMessage(self) {
            if reply != ["", "NOOP"] { return reply }
        }
        return nil
    }

    struct RawHandshakeFailed: Error, CustomStringConvertible {
        var description: String { "the broker did not complete a NULL handshake with a raw client (is it running with --no-curve?)" }
    }
}

/// mc0 over a Swift DEALER.
enum FaultClient {
    /// The tests look at events and replies; refused reconnects need not fill the output.
    static let quietLogger: Logger = {
        var logger = Logger(label: "fault-client")
        logger.logLevel = .critical
        return logger
    }()

    static func frames(_ texts: [String]) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    /// A DEALER on `loop` (the shared loop by default) dialling the broker, NULL or CURVE as it
    /// runs. Nothing is sent.
    static func dealer(_ broker: BrokerProcess, loop: EventLoop? = nil, onEvent: (@Sendable (SocketEvent) -> Void)? = nil,
                       reconnect: Duration = .milliseconds(100), reconnectMax: Duration = .zero) throws -> ZMTPSocket {
        var options = SocketOptions()
        options.linger = .zero
        options.reconnectInterval = reconnect
        options.reconnectIntervalMax = reconnectMax
        if let key = broker.publicKey {
            options.security = .curveClient(serverKey: try CurvePublicKey(z85: key), keyPair: .generate())
        }
        options.onEvent = onEvent
        let dealer = try ZMTPSocket(type: .dealer, options: options, loop: loop, logger: quietLogger)
        try dealer.connect(broker.endpoint)
        return dealer
    }

    /// Sends `message` and waits for the next reply that is not a broker NOOP.
    static func request(_ dealer: ZMTPSocket, _ message: [String], timeout: Duration = .seconds(10)) throws -> [String] {
        try dealer.send(frames(message), timeout: timeout)
        return try reply(dealer, timeout: timeout)
    }

    /// The next message that is not a broker NOOP.
    static func reply(_ dealer: ZMTPSocket, timeout: Duration = .seconds(10)) throws -> [String] {
        while true {
            let reply = try dealer.receive(timeout: timeout).map { String(decoding: $0, as: UTF8.self) }
            if reply != ["", "NOOP"] { return reply }
        }
    }

    /// A DEALER that has CONNECTed (acknowledged).
    static func connected(_ broker: BrokerProcess, loop: EventLoop? = nil, ttl: Int = 60_000) throws -> ZMTPSocket {
        let dealer = try dealer(broker, loop: loop)
        let reply = try request(dealer, connectFrames(ttl: ttl, id: "c"))
        guard reply == ok("c") else { throw UnexpectedReply(reply: reply) }
        return dealer
    }

    struct UnexpectedReply: Error, CustomStringConvertible {
        let reply: [String]
        var description: String { "unexpected reply from the broker: \(reply)" }
    }
}

/// Milliseconds since `start` on the monotonic clock.
func millisecondsSince(_ start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}
