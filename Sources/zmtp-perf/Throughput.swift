import ArgumentParser
import Dispatch
import ZMTP

/// Written by the loop thread only; read by the main thread after the semaphore.
final class HandlerState: @unchecked Sendable {
    @exclusivity(unchecked) var received = 0
    @exclusivity(unchecked) var start: UInt64 = 0
    @exclusivity(unchecked) var end: UInt64 = 0
    @exclusivity(unchecked) var bad = false
}

/// A DEALER sends COUNT messages of SIZE bytes; a ROUTER times them from first to last.
struct Throughput: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "thr", abstract: "Throughput: send or recv.")

    @Argument(help: "send or recv") var role: String
    @OptionGroup var peer: PeerOptions
    @Option(help: "Bytes per message.") var size: Int
    @Option(help: "Messages to send.") var count: Int
    @Flag(help: "recv: take messages in a handler on the loop thread (the server face) instead of blocking receive.")
    var handler = false

    func validate() throws {
        guard role == "send" || role == "recv" else { throw ValidationError("role must be send or recv") }
        guard count >= 2, size >= 0 else { throw ValidationError("--count must be at least 2 and --size at least 0") }
    }

    func run() throws {
        let socket = try ZMTPSocket(type: role == "send" ? .dealer : .router, options: try peer.socketOptions())
        // Locals: argument-parser property wrappers are too slow to read per message.
        let (size, count, timeout) = (self.size, self.count, peer.timeout)
        if role == "send" {
            try peer.attach(socket)
            // One reused Message, as libzmq's perf tools reuse one zmq_msg_t.
            let message = Message([[UInt8](repeating: 0x6D, count: size)])
            for _ in 0..<count { try socket.send(message, timeout: timeout) }
        } else if handler {
            try Self.receiveWithHandler(socket, size: size, count: count, timeout: timeout) { try peer.attach(socket) }
        } else {
            try peer.attach(socket)
            var message = Message()
            try Self.receiveOne(socket, into: &message, size: size, timeout: timeout)
            let start = monotonicNanos()
            for _ in 1..<count { try Self.receiveOne(socket, into: &message, size: size, timeout: timeout) }
            let seconds = Double(max(1, monotonicNanos() - start)) / 1e9
            let rate = Double(count - 1) / seconds
            print("msgs/s=\(Int(rate)) MB/s=\(String(format1: rate * Double(size) / 1e6)) count=\(count) size=\(size)")
        }
        socket.close()
    }

    /// Counts messages in the loop-thread handler; the main thread waits for the last one.
    private static func receiveWithHandler(_ socket: ZMTPSocket, size: Int, count: Int, timeout: Duration,
                                           attach: () throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let state = HandlerState()
        socket.serve { _, message in
            guard message.count == 1, message[0].count == size else { state.bad = true; done.signal(); return }
            state.received += 1
            if state.received == 1 { state.start = monotonicNanos() }
            if state.received == count { state.end = monotonicNanos(); done.signal() }
        }
        try attach()
        guard done.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000))) == .success, !state.bad else {
            throw ValidationError("received \(state.received) of \(count) messages of \(size) bytes")
        }
        let seconds = Double(max(1, state.end - state.start)) / 1e9
        let rate = Double(count - 1) / seconds
        print("msgs/s=\(Int(rate)) MB/s=\(String(format1: rate * Double(size) / 1e6)) count=\(count) size=\(size)")
    }

    private static func receiveOne(_ socket: ZMTPSocket, into message: inout Message, size: Int, timeout: Duration) throws {
        try socket.receive(into: &message, timeout: timeout)
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
