import ArgumentParser
import Glibc
import ZMTP

/// Times `count` round trips of `size` bytes after `warmup` untimed ones (which include the
/// connection and handshake), on a DEALER (`lat ping`) or a REQ (`pattern req`), and prints the
/// median, the 99th percentile and this process's CPU per round trip, as the libzmq peers'
/// `run_round_trips` does.
func timeRoundTrips(_ socket: ZMTPSocket, size: Int, count: Int, warmup: Int, timeout: Duration) throws {
    let request = Message([(0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }])
    var reply = Message()
    var samples: [UInt64] = []
    samples.reserveCapacity(count)
    var start = (wall: UInt64(0), cpu: UInt64(0))
    for i in 0..<(warmup + count) {
        if i == warmup {
            // A runner reads the server's CPU time when it sees this line, and after the result.
            printNow("TIMED")
            start = (monotonicNanos(), cpuNanos())
        }
        let sent = monotonicNanos()
        try socket.send(request, timeout: timeout)
        try socket.receive(into: &reply, timeout: timeout)
        guard reply.count == 1, sameBytes(reply[0], request[0]) else {
            throw ValidationError("round trip \(i): the reply differs from what was sent")
        }
        if i >= warmup { samples.append(monotonicNanos() - sent) }
    }
    let cpu = cpuMicroseconds(since: start.cpu, per: count)
    let seconds = Double(monotonicNanos() - start.wall) / 1e9
    samples.sort()
    let p50 = Double(samples[samples.count / 2]) / 1000
    let p99 = Double(samples[min(samples.count - 1, samples.count * 99 / 100)]) / 1000
    print("p50_us=\(String(format4: p50)) p99_us=\(String(format4: p99)) seconds=\(String(format4: seconds)) cpu_us=\(cpu) count=\(count) size=\(size)")
}

/// memcmp, as the libzmq peer checks: Message's == compares element by element, which would
/// charge the client more per round trip than the check is worth.
private func sameBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
}
