import ArgumentParser
import ZMTP

/// The socket-pattern peers, with Benchmarks/zmq_pattern.c's modes and flags: an XPUB that
/// waits for its subscribers then publishes, SUB, PUSH, PULL, REQ (round trips) and REP (echo).
/// High-water marks sit above the count, so that no publisher drops.
struct Pattern: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pattern", abstract: "PUB/SUB, PUSH/PULL and REQ/REP peers.")

    @Argument(help: "pub, sub, push, pull, req or rep") var mode: String
    @OptionGroup var peer: PeerOptions
    @Option(help: "Bytes per message.") var size: Int
    @Option(help: "Messages to send or receive (round trips for req).") var count: Int
    @Option(help: "pub: subscriptions to wait for before publishing.") var subscribers = 1

    static let types: [String: SocketType] = ["pub": .xpub, "sub": .sub, "push": .push, "pull": .pull, "req": .req, "rep": .rep]

    func validate() throws {
        guard Self.types[mode] != nil else { throw ValidationError("mode must be pub, sub, push, pull, req or rep") }
        guard count >= 2, size >= 0, subscribers >= 1 else { throw ValidationError("--count must be at least 2, --size at least 0") }
    }

    func run() throws {
        var options = try peer.socketOptions()
        options.sendHighWaterMark = count + 16
        options.receiveHighWaterMark = count + 16
        options.xpubVerbose = mode == "pub"
        let socket = try ZMTPSocket(type: Self.types[mode]!, options: options)
        if mode == "sub" { try socket.subscribe([UInt8]()) }
        try peer.attach(socket)
        let (size, count, timeout) = (self.size, self.count, peer.timeout)
        let payload = Message([[UInt8](repeating: 0x6D, count: size)])
        switch mode {
        case "pub":
            for _ in 0..<subscribers { _ = try socket.receive(timeout: timeout) }
            for _ in 0..<count { try socket.send(payload, timeout: timeout) }
        case "push":
            for _ in 0..<count { try socket.send(payload, timeout: timeout) }
        case "sub", "pull":
            var message = Message()
            try socket.receive(into: &message, timeout: timeout)
            let start = monotonicNanos()
            for _ in 1..<count { try socket.receive(into: &message, timeout: timeout) }
            guard message.count == 1, message[0].count == size else { throw ValidationError("expected one frame of \(size) bytes") }
            let rate = Double(count - 1) / (Double(max(1, monotonicNanos() - start)) / 1e9)
            print("msgs/s=\(Int(rate)) MB/s=\(String(format4: rate * Double(size) / 1e6)) count=\(count) size=\(size)")
        case "req":
            try roundTrips(socket, payload: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }, timeout: timeout)
        default:
            while true { try socket.send(try socket.receive(), timeout: timeout) }
        }
        socket.close()
    }

    private func roundTrips(_ socket: ZMTPSocket, payload: [UInt8], timeout: Duration) throws {
        func once() throws -> UInt64 {
            let start = monotonicNanos()
            try socket.send([payload], timeout: timeout)
            guard try socket.receive(timeout: timeout) == [payload] else { throw ValidationError("the reply differs from the request") }
            return monotonicNanos() - start
        }
        for _ in 0..<1000 { _ = try once() }
        let samples = try (0..<count).map { _ in try once() }.sorted()
        let p50 = Double(samples[count / 2]) / 1000, p99 = Double(samples[count * 99 / 100]) / 1000
        print("p50_us=\(String(format4: p50)) p99_us=\(String(format4: p99)) count=\(count) size=\(size)")
    }
}
