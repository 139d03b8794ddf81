import ArgumentParser
import Glibc
import ZMTP

/// Round trips: a DEALER pings, a ROUTER echoes (on its loop thread, the server face).
struct Latency: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lat", abstract: "Latency: echo or ping.")

    @Argument(help: "echo or ping") var role: String
    @OptionGroup var peer: PeerOptions
    @Option(help: "Bytes per message (ping).") var size = 100
    @Option(help: "Round trips to time (ping).") var count = 10_000
    @Option(help: "Untimed round trips first (ping).") var warmup = 1000

    func validate() throws {
        guard role == "echo" || role == "ping" else { throw ValidationError("role must be echo or ping") }
    }

    func run() throws {
        if role == "echo" { return try echo() }
        let socket = try peer.makeSocket(.dealer)
        try peer.attach(socket)
        let (size, count, warmup, timeout) = (self.size, self.count, self.warmup, peer.timeout)
        let request = Message([(0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }])
        var reply = Message()
        var samples: [UInt64] = []
        samples.reserveCapacity(count)
        var start = (wall: UInt64(0), cpu: UInt64(0))
        for i in 0..<(warmup + count) {
            if i == warmup {
                // A runner reads the echo's CPU time when it sees this line, and after the result.
                printNow("TIMED")
                start = (monotonicNanos(), cpuNanos())
            }
            let sent = monotonicNanos()
            try socket.send(request, timeout: timeout)
            try socket.receive(into: &reply, timeout: timeout)
            guard reply.count == 1, sameBytes(reply[0], request[0]) else {
                throw ValidationError("round trip \(i): the echo differs from what was sent")
            }
            if i >= warmup { samples.append(monotonicNanos() - sent) }
        }
        let cpu = cpuMicroseconds(since: start.cpu, per: count)
        let seconds = Double(monotonicNanos() - start.wall) / 1e9
        samples.sort()
        let p50 = Double(samples[samples.count / 2]) / 1000
        let p99 = Double(samples[min(samples.count - 1, samples.count * 99 / 100)]) / 1000
        print("p50_us=\(String(format4: p50)) p99_us=\(String(format4: p99)) seconds=\(String(format4: seconds)) cpu_us=\(cpu) count=\(count) size=\(size)")
        socket.close()
    }

    /// memcmp, as the libzmq peer checks: Message's == compares element by element, which would
    /// charge this client more per round trip than the check is worth.
    private func sameBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
    }

    /// Echoes until stdin closes, as the libzmq echo peer does.
    private func echo() throws {
        let socket = try peer.makeSocket(.router)
        socket.serve { routingID, message in try? socket.send([routingID] + message, timeout: .zero) }
        try peer.attach(socket)
        while readLine() != nil {}
        socket.close()
    }
}
