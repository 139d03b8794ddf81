import ArgumentParser
import Glibc
import ZMTP

/// Benchmark peers in Swift with the same roles and flags as the libzmq peers in Benchmarks/,
/// so every pairing (ours-ours, ours-libzmq, libzmq-ours) can be timed.
@main
struct ZMTPPerf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmtp-perf",
        abstract: "Throughput, latency and handshake peers on the mc0 ZMTP stack.",
        subcommands: [Throughput.self, Latency.self, Handshakes.self, InprocThroughput.self, Pattern.self])

    /// Z85 keys may begin with '-', which the parser would take for a flag: key arguments are
    /// glued to their flag (`--server-key=KEY`) first, keeping the libzmq peers' syntax.
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        var i = 0
        var glued: [String] = []
        while i < args.count {
            let arg = args[i]
            let values = ["--curve-server": 1, "--server-key": 1, "--curve-client": 3][arg] ?? 0
            if values > 0, i + values < args.count {
                glued += args[(i + 1)...(i + values)].map { "\(arg)=\($0)" }
                i += values + 1
            } else {
                glued.append(arg)
                i += 1
            }
        }
        args = glued
        do {
            var command = try parseAsRoot(args)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// The event loop a peer's sockets run on: the shared one with its default busy-poll, or one
/// of the process's own with `--busy-poll` (0: every wait blocks at once).
struct LoopOptions: ParsableArguments {
    @Option(name: .customLong("busy-poll"), help: "Busy-poll of the event loop and of blocking calls, in microseconds (default: the loop's default).")
    var busyPollMicroseconds: Int?

    func validate() throws {
        if let busyPollMicroseconds, busyPollMicroseconds < 0 { throw ValidationError("--busy-poll must be 0 or more") }
    }

    func loop() throws -> EventLoop {
        guard let busyPollMicroseconds else { return try EventLoop.shared() }
        return try EventLoop(name: "zmtp-perf", busyPoll: .microseconds(busyPollMicroseconds))
    }
}

/// Flags every role shares: where to attach and which security to use.
struct PeerOptions: ParsableArguments {
    @OptionGroup var loopOptions: LoopOptions
    @Option(name: .customLong("bind"), help: "Endpoint to bind.") var bindEndpoint: String?
    @Option(name: .customLong("connect"), help: "Endpoint to connect to.") var connectEndpoint: String?
    @Option(name: .customLong("curve-server"), help: "Act as CURVE server with this Z85 secret key.") var curveServerSecret: String?
    @Option(name: .customLong("curve-client"), help: "Act as CURVE client: SERVERPUB PUB SECRET (Z85).")
    var curveClient: [String] = []
    @Option(name: .customLong("timeout-ms"), help: "Give up after this long without progress.") var timeoutMs = 30_000

    func validate() throws {
        guard (bindEndpoint == nil) != (connectEndpoint == nil) else { throw ValidationError("give exactly one of --bind or --connect") }
        guard curveClient.isEmpty || curveClient.count == 3 else { throw ValidationError("--curve-client takes SERVERPUB PUB SECRET") }
    }

    func socketOptions() throws -> SocketOptions {
        var options = SocketOptions()
        options.linger = .milliseconds(timeoutMs)
        options.maxMessageSize = nil
        options.sendHighWaterMark = 1000
        options.receiveHighWaterMark = 1000
        if let secret = curveServerSecret {
            options.security = .curveServer(secretKey: try CurveSecretKey(z85: secret))
        } else if curveClient.count == 3 {
            let secret = try CurveSecretKey(z85: curveClient[2])
            options.security = .curveClient(serverKey: try CurvePublicKey(z85: curveClient[0]),
                                            keyPair: CurveKeyPair(secretKey: secret))
        }
        return options
    }

    /// A socket with these flags' options, changed by `configure`, on the loop they choose.
    func makeSocket(_ type: SocketType, _ configure: (inout SocketOptions) -> Void = { _ in }) throws -> ZMTPSocket {
        var options = try socketOptions()
        configure(&options)
        return try ZMTPSocket(type: type, options: options, loop: try loopOptions.loop())
    }

    func attach(_ socket: ZMTPSocket) throws {
        if let bindEndpoint { try socket.bind(bindEndpoint) } else if let connectEndpoint { try socket.connect(connectEndpoint) }
    }

    var timeout: Duration { .milliseconds(timeoutMs) }
}

func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// CPU time of this process, all threads (those already ended too), in nanoseconds.
func cpuNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Microseconds of CPU per operation, as the result lines print them.
func cpuMicroseconds(since start: UInt64, per operations: Int) -> String {
    String(format4: Double(cpuNanos() - start) / 1e3 / Double(max(1, operations)))
}

/// A receiver's result line: `count - 1` messages arrived from `start` (the first one) to `end`.
func printRate(count: Int, size: Int, start: (wall: UInt64, cpu: UInt64), end: UInt64, cpu: String) {
    let seconds = Double(max(1, end - start.wall)) / 1e9
    let rate = Double(count - 1) / seconds
    print("msgs/s=\(Int(rate)) MB/s=\(String(format4: rate * Double(size) / 1e6)) seconds=\(String(format4: seconds)) cpu_us=\(cpu) count=\(count) size=\(size)")
}

/// A sender's result line: the whole run since `start`, connection and the linger's flush
/// included, per message sent.
func printSenderCPU(since start: UInt64, count: Int, size: Int) {
    print("cpu_us=\(cpuMicroseconds(since: start, per: count)) count=\(count) size=\(size)")
}

/// Prints a line at once, for a runner reading stdout through a pipe.
func printNow(_ line: String) {
    print(line)
    fflush(nil)  // every stream: `stdout` itself is not concurrency-safe to name in Swift 6
}

/// Sequence numbers ride in a message's first 8 bytes, little-endian, as in the libzmq peers.
func putSequence(_ n: UInt64, into body: inout [UInt8]) {
    body.withUnsafeMutableBytes { $0.storeBytes(of: n.littleEndian, toByteOffset: 0, as: UInt64.self) }
}

func sequence(of body: ArraySlice<UInt8>) -> UInt64 {
    body.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
}
