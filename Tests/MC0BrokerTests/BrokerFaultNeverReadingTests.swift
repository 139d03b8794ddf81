import Foundation
import Glibc
import TestSupport
import Testing
import ZMTP

/// Peers that send and never read, against the mc0d binary over raw NULL connections: every
/// PING owes a PONG and every acked NOOP an OK, and none of it is ever taken off the wire. The
/// broker's memory must not follow what it is owed (issue 11: at most one pending PONG, and
/// reading pauses while the output owed to a peer is over a bound).
@Suite(.serialized) struct BrokerFaultNeverReadingTests {
    static let floodBytes = 100 << 20
    static let growthLimitKiB = 8 << 10

    @Test(.timeLimit(.minutes(2)))
    func pingFloodLeavesMemoryFlat() throws {
        // PING with a TTL of 0 and the longest context (16 bytes), which its PONG echoes.
        let body = [4] + Array("PING".utf8) + [0, 0] + [UInt8](repeating: 0x70, count: 16)
        try Self.flood(RawZMTP.header(flags: 0x04, size: UInt64(body.count)) + body, connect: false, what: "PINGs")
    }

    @Test(.timeLimit(.minutes(2)))
    func acknowledgedNoopFloodLeavesMemoryFlatAndLosesNoAck() throws {
        // A long ID makes each OK as large as the NOOP it answers.
        let id = String(repeating: "n", count: 200)
        let noop = RawZMTP.message(["", "NOOP", "ID", id].map { Array($0.utf8) })
        // Held up by nobody but itself, the flooder is paused, not cut off as a slow consumer.
        try Self.flood(noop, connect: true, what: "acked NOOPs") { flooder, sent in
            // Reading at last, the flooder finds an OK for every whole NOOP it wrote: the
            // broker paused instead of dropping what it owed.
            let noops = sent / noop.count
            let replies = flooder.countReplies(upTo: noops)
            #expect(replies.ok == noops && replies.other == 0,
                    "\(noops) NOOPs written, \(replies.ok) OKs and \(replies.other) other replies read, then \(replies.end)")
        }
    }

    /// Writes `unit` over and over, up to floodBytes, and never reads. The flooder stops by
    /// itself when the broker stops taking bytes (a write makes no progress for 2 s) or when the
    /// broker's RSS has grown by the limit already. Then `afterwards` gets the flooder and the
    /// bytes it wrote, while the broker still runs.
    static func flood(_ unit: [UInt8], connect: Bool, what: String,
                      afterwards: (_ flooder: RawPeer, _ sent: Int) -> Void = { _, _ in }) throws {
        let broker = try BrokerProcess(["--no-curve"], logLevel: "warning")
        defer { broker.stop() }
        let bystander = try FaultClient.connected(broker)
        defer { bystander.close() }
        let flooder = try RawPeer.nullClient(port: broker.port, timeoutSeconds: 2)
        if connect { #expect(flooder.request(connectFrames(ttl: 600_000, id: "f")) == ok("f")) }
        let baselineRSS = try #require(broker.residentKiB())
        let sampler = ResidentSampler(broker)

        let chunk = Array([[UInt8]](repeating: unit, count: (1 << 20) / unit.count).joined())
        var sent = 0
        var stopped = "all sent"
        while sent < floodBytes {
            let written = flooder.writeCounting(chunk)
            sent += written
            guard written == chunk.count else { stopped = "the broker stopped reading"; break }
            if let rss = broker.residentKiB(), rss - baselineRSS >= growthLimitKiB { stopped = "RSS limit reached"; break }
        }
        // Whatever the broker took in is worked through before the last sample.
        #expect(broker.waitUntilIdle(timeout: 20))
        let peakRSS = sampler.stop()
        #expect(try FaultClient.request(bystander, ["", "NOOP", "ID", "after"]) == ok("after"))
        print("never-reading flood of \(what): \(sent >> 20) MiB written (\(stopped)); broker RSS KiB before \(baselineRSS) " +
              "peak \(peakRSS) (+\((peakRSS - baselineRSS) >> 10) MiB)")
        #expect(peakRSS - baselineRSS < growthLimitKiB, "RSS \(baselineRSS) KiB -> peak \(peakRSS) KiB after \(sent >> 20) MiB")
        afterwards(flooder, sent)
        #expect(broker.child.process.isRunning)
    }
}

extension RawPeer {
    /// Writes `bytes` until done, EOF or the send timeout; returns how many were sent.
    func writeCounting(_ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        return sent
    }

    /// Reads messages (command frames skipped) until `limit` came, or EOF or the receive
    /// timeout; counts those whose verb (second frame) is OK and the others, and says how the
    /// reading ended.
    func countReplies(upTo limit: Int) -> (ok: Int, other: Int, end: String) {
        var counts = (ok: 0, other: 0, end: "all read")
        var buffer: [UInt8] = []
        var start = 0
        var frameIndex = 0
        var verbIsOK = false
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while counts.ok + counts.other < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 {
                counts.end = n == 0 ? "EOF" : "recv: \(String(cString: strerror(errno)))"
                break
            }
            buffer.removeFirst(start)
            start = 0
            buffer += chunk[0..<n]
            // Short frames only (the broker's replies here are under 256 bytes).
            while buffer.count - start >= 2, buffer.count - start >= 2 + Int(buffer[start + 1]) {
                let flags = buffer[start], size = Int(buffer[start + 1])
                guard flags & 0x02 == 0 else { return (counts.ok, counts.other + 1, "a long frame") }
                if flags & 0x04 == 0 {
                    if frameIndex == 1 { verbIsOK = buffer[(start + 2)..<(start + 2 + size)].elementsEqual("OK".utf8) }
                    frameIndex += 1
                    if flags & 0x01 == 0 {
                        if verbIsOK { counts.ok += 1 } else { counts.other += 1 }
                        frameIndex = 0
                        verbIsOK = false
                    }
                }
                start += 2 + size
            }
        }
        return counts
    }
}

extension BrokerProcess {
    /// The broker's CPU time so far in clock ticks (utime + stime of /proc/PID/stat).
    func cpuTicks() -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return nil }
        // After the command name: state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// Waits (bounded) until the broker used no CPU for 0.3 s: it has worked through its input.
    func waitUntilIdle(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var last = cpuTicks()
        while Date() < deadline {
            usleep(300_000)
            let now = cpuTicks()
            if now == last { return now != nil }
            last = now
        }
        return false
    }
}
