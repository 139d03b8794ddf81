import Testing
@testable import MC0Broker

/// The summary of refused handshakes, on an injected clock: a line per address per interval,
/// with a count, however many connections are refused.
@Suite struct HandshakeRefusalLogTests {
    static let second: UInt64 = 1_000_000_000

    final class Lines {
        var all: [String] = []
    }

    static func log(maxAddresses: Int = 256) -> (HandshakeRefusalLog, Lines) {
        let lines = Lines()
        return (HandshakeRefusalLog(interval: 10 * second, maxAddresses: maxAddresses) { lines.all.append($0) }, lines)
    }

    @Test func firstRefusalIsLoggedAtOnceAndTheRestOncePerInterval() {
        let (log, lines) = Self.log()
        // A client retrying every 100 ms with a wrong key, from a new port each time.
        #expect(log.record(peer: "10.0.0.5:40001", reason: "bad key", now: 0) == 10 * Self.second)
        #expect(lines.all == ["refused handshake from 10.0.0.5: bad key"])
        for n in 1..<100 {
            #expect(log.record(peer: "10.0.0.5:\(40001 + n)", reason: "bad key", now: UInt64(n) * Self.second / 10) == nil)
        }
        #expect(lines.all.count == 1)
        #expect(log.flush(now: 10 * Self.second) == 20 * Self.second)
        #expect(lines.all.last == "refused 99 more handshakes from 10.0.0.5 in the last 10 s; last: bad key")

        // Still retrying: one line per interval, never the immediate one again.
        for n in 0..<100 {
            _ = log.record(peer: "10.0.0.5:\(50000 + n)", reason: "bad key", now: 10 * Self.second + UInt64(n) * Self.second / 10)
        }
        #expect(log.flush(now: 20 * Self.second) == 30 * Self.second)
        #expect(lines.all.count == 3)
        #expect(lines.all.last == "refused 100 more handshakes from 10.0.0.5 in the last 10 s; last: bad key")

        // Quiet for an interval: forgotten, and the next refusal is logged at once again.
        #expect(log.flush(now: 30 * Self.second) == nil)
        #expect(lines.all.count == 3)
        #expect(log.record(peer: "10.0.0.5:1", reason: "timeout", now: 45 * Self.second) == 55 * Self.second)
        #expect(lines.all.last == "refused handshake from 10.0.0.5: timeout")
    }

    @Test func addressesAreCountedApartAndIPv6LosesOnlyItsPort() {
        let (log, lines) = Self.log()
        _ = log.record(peer: "[::1]:5000", reason: "r1", now: 0)
        _ = log.record(peer: "127.0.0.1:5000", reason: "r2", now: 1)
        _ = log.record(peer: "[::1]:5001", reason: "r3", now: 2)
        _ = log.record(peer: "[::1]:5002", reason: "r4", now: 3)
        #expect(lines.all == ["refused handshake from ::1: r1", "refused handshake from 127.0.0.1: r2"])
        _ = log.flush(now: 10 * Self.second)
        #expect(lines.all.last == "refused 2 more handshakes from ::1 in the last 10 s; last: r4")
        #expect(lines.all.count == 3)
    }

    @Test func aFloodFromManyAddressesIsBounded() {
        let (log, lines) = Self.log(maxAddresses: 3)
        for n in 0..<1000 { _ = log.record(peer: "10.1.\(n / 256).\(n % 256):1", reason: "stalled", now: UInt64(n)) }
        #expect(lines.all.count == 3)
        _ = log.flush(now: 10 * Self.second)
        #expect(lines.all.last == "refused 997 handshakes from other addresses in the last 10 s; last: stalled")
        #expect(lines.all.count == 4)
    }
}
