import ArgumentParser
import ZMTP

/// A DEALER sends COUNT messages of SIZE bytes; a ROUTER times them from first to last.
struct Throughput: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "thr", abstract: "Throughput: send or recv.")

    @Argument(help: "send or recv") var role: String
    @OptionGroup var peer: PeerOptions
    @Option(help: "Bytes per message.") var size: Int
    @Option(help: "Messages to send.") var count: Int

    func validate() throws {
        guard role == "send" || role == "recv" else { throw ValidationError("role must be send or recv") }
        guard count >= 2, size >= 0 else { throw ValidationError("--count must be at least 2 and --size at least 0") }
    }

    func run() throws {
        let socket = try ZMTPSocket(type: role == "send" ? .dealer : .router, options: try peer.socketOptions())
        try peer.attach(socket)
        // Locals: argument-parser property wrappers are too slow to read per message.
        let (size, count, timeout) = (self.size, self.count, peer.timeout)
        if role == "send" {
            let payload = [UInt8](repeating: 0x6D, count: size)
            for _ in 0..<count { try socket.send([payload], timeout: timeout) }
        } else {
            try Self.receiveOne(socket, size: size, timeout: timeout)
            let start = monotonicNanos()
            for _ in 1..<count { try Self.receiveOne(socket, size: size, timeout: timeout) }
            let seconds = Double(max(1, monotonicNanos() - start)) / 1e9
            let rate = Double(count - 1) / seconds
            print("msgs/s=\(Int(rate)) MB/s=\(String(format1: rate * Double(size) / 1e6)) count=\(count) size=\(size)")
        }
        socket.close()
    }

    private static func receiveOne(_ socket: ZMTPSocket, size: Int, timeout: Duration) throws {
        let message = try socket.receive(timeout: timeout)
        guard message.count == 2, message[1].count == size else {
            throw ValidationError("expected [routing id, \(size) bytes], got \(message.count) frames")
        }
    }
}

extension String {
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}
