import ArgumentParser
import Foundation
import Synchronization
import ZMTP

/// CURVE handshakes per second: each client connects, completes the handshake and one round
/// trip, then closes; sequentially or P at a time.
struct Handshakes: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hs", abstract: "CURVE handshakes per second against an echo peer.")

    @Option(name: .customLong("connect")) var endpoint: String
    @Option(name: .customLong("server-key"), help: "The echo server's Z85 public key.") var serverKey: String
    @Option(help: "Handshakes in all.") var count = 1000
    @Option(help: "Handshakes in flight at once.") var parallel = 1
    @Option(help: "Bytes in the round trip.") var size = 100
    @Option(name: .customLong("timeout-ms")) var timeoutMs = 30_000

    func run() throws {
        let server = try CurvePublicKey(z85: serverKey)
        let clientKeys = CurveKeyPair.generate()  // one long-term client key, as the libzmq peer uses
        let loop = try EventLoop.shared()
        let payload = [UInt8](repeating: 0x68, count: size)
        let done = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let start = monotonicNanos()
        let group = DispatchGroup()
        for _ in 0..<max(1, parallel) {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let n = done.add(1, ordering: .relaxed).oldValue
                    if n >= count { break }
                    do {
                        var options = SocketOptions()
                        options.security = .curveClient(serverKey: server, keyPair: clientKeys)
                        options.linger = .zero
                        let socket = try ZMTPSocket(type: .dealer, options: options, loop: loop)
                        try socket.connect(endpoint)
                        try socket.send([payload], timeout: .milliseconds(timeoutMs))
                        _ = try socket.receive(timeout: .milliseconds(timeoutMs))
                        socket.close()
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        group.wait()
        let seconds = Double(monotonicNanos() - start) / 1e9
        let failed = failures.load(ordering: .relaxed)
        print("handshakes/s=\(Int(Double(count - failed) / seconds)) count=\(count) parallel=\(parallel) failures=\(failed)")
        if failed > 0 { throw ExitCode(1) }
    }
}
