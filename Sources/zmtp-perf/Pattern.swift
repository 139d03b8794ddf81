import ArgumentParser
import ZMTP

/// The socket-pattern peers, with Benchmarks/zmq_pattern.c's modes and flags: an XPUB that
/// waits for its subscribers then publishes, SUB, PUSH, PULL, REQ (round trips, as `lat ping`)
/// and REP (echo). Senders print their CPU per message, receivers their rate and CPU per
/// message, as `thr` does. High-water marks sit above the count, so that no publisher drops.
struct Pattern: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pattern", abstract: "PUB/SUB, PUSH/PULL and REQ/REP peers.")

    @Argument(help: "pub, sub, push, pull, req or rep") var mode: String
    @OptionGroup var peer: PeerOptions
    @Option(help: "Bytes per message.") var size = 100
    @Option(help: "Messages to send or receive (round trips for req).") var count = 10_000
    @Option(help: "req: untimed round trips first.") var warmup = 1000
    @Option(help: "pub: subscriptions to wait for before publishing.") var subscribers = 1

    static let types: [String: SocketType] = ["pub": .xpub, "sub": .sub, "push": .push, "pull": .pull, "req": .req, "rep": .rep]

    func validate() throws {
        guard Self.types[mode] != nil else { throw ValidationError("mode must be pub, sub, push, pull, req or rep") }
        guard count >= 2, size >= 0, warmup >= 0, subscribers >= 1 else {
            throw ValidationError("--count must be at least 2, --size and --warmup at least 0, --subscribers at least 1")
        }
    }

    func run() throws {
        let cpuStart = cpuNanos()
        let (mode, size, count, timeout) = (self.mode, self.size, self.count, peer.timeout)
        let socket = try peer.makeSocket(Self.types[mode]!) { options in
            options.sendHighWaterMark = count + 16
            options.receiveHighWaterMark = count + 16
            options.xpubVerbose = mode == "pub"
        }
        if mode == "sub" { try socket.subscribe([UInt8]()) }
        try peer.attach(socket)
        let payload = Message([[UInt8](repeating: 0x6D, count: size)])
        switch mode {
        case "pub", "push":
            if mode == "pub" { for _ in 0..<subscribers { _ = try socket.receive(timeout: timeout) } }
            for _ in 0..<count { try socket.send(payload, timeout: timeout) }
        case "sub", "pull":
            var message = Message()
            try socket.receive(into: &message, timeout: timeout)
            let start = (wall: monotonicNanos(), cpu: cpuNanos())
            for _ in 1..<count { try socket.receive(into: &message, timeout: timeout) }
            guard message.count == 1, message[0].count == size else { throw ValidationError("expected one frame of \(size) bytes") }
            printRate(count: count, size: size, start: start, end: monotonicNanos(), cpu: cpuMicroseconds(since: start.cpu, per: count - 1))
        case "req":
            try timeRoundTrips(socket, size: size, count: count, warmup: warmup, timeout: timeout)
        default:
            while true { try socket.send(try socket.receive(), timeout: timeout) }
        }
        socket.close()
        if mode == "pub" || mode == "push" { printSenderCPU(since: cpuStart, count: count, size: size) }
    }
}
