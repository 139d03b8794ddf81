import ArgumentParser
import ZMTP

/// CURVE handshakes per second, in the structure of the libzmq peer (zmq_hs): each round opens
/// P connections and sends once on each; then each echo is awaited in turn and checked byte for
/// byte, and all are closed. P = 1 is one handshake after the other.
struct Handshakes: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hs", abstract: "CURVE handshakes per second against an echo peer.")

    @Option(name: .customLong("connect")) var endpoint: String
    @Option(name: .customLong("server-key"), help: "The echo server's Z85 public key.") var serverKey: String
    @Option(help: "Handshakes in all.") var count = 1000
    @Option(help: "Handshakes in flight at once.") var parallel = 1
    @Option(help: "Bytes in the round trip.") var size = 100
    @Option(name: .customLong("timeout-ms")) var timeoutMs = 30_000
    @OptionGroup var loopOptions: LoopOptions

    func run() throws {
        var options = SocketOptions()
        options.security = .curveClient(serverKey: try CurvePublicKey(z85: serverKey), keyPair: CurveKeyPair.generate())
        options.linger = .zero
        let loop = try loopOptions.loop()
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let timeout = Duration.milliseconds(timeoutMs)
        // A runner reads the echo server's CPU time when it sees this line, and after the result.
        printNow("TIMED")
        let start = (wall: monotonicNanos(), cpu: cpuNanos())
        var done = 0
        while done < count {
            let width = min(max(1, parallel), count - done)
            var sockets: [ZMTPSocket] = []
            for _ in 0..<width {
                let socket = try ZMTPSocket(type: .dealer, options: options, loop: loop)
                try socket.connect(endpoint)
                try socket.send([payload], timeout: timeout)  // queued until the handshake completes
                sockets.append(socket)
            }
            for (i, socket) in sockets.enumerated() {
                guard try socket.receive(timeout: timeout) == [payload] else {
                    throw ValidationError("connection \(i + 1) of \(width): the echo differs from the \(size) bytes sent")
                }
            }
            for socket in sockets { socket.close() }
            done += width
        }
        let seconds = Double(monotonicNanos() - start.wall) / 1e9
        print("handshakes/s=\(Int(Double(count) / seconds)) seconds=\(String(format4: seconds)) cpu_us=\(cpuMicroseconds(since: start.cpu, per: count)) count=\(count) parallel=\(parallel)")
    }
}
