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

/// Flags every role shares: where to attach and which security to use.
struct PeerOptions: ParsableArguments {
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
