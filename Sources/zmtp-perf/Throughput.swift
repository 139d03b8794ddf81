import ArgumentParser
import Dispatch
import ZMTP

/// Written by the loop thread only; read by the main thread after the semaphore.
final class HandlerState: @unchecked Sendable {
    @exclusivity(unchecked) var received = 0
    @exclusivity(unchecked) var start: (wall: UInt64, cpu: UInt64) = (0, 0)
    @exclusivity(unchecked) var end: UInt64 = 0
    @exclusivity(unchecked) var cpu = ""
    @exclusivity(unchecked) var bad: String?
}

/// A DEALER sends COUNT messages of SIZE bytes to a DEALER, which times them from first to
/// last. Each message carries its sequence number, which the receiver checks.
struct Throughput: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "thr", abstract: "Throughput: send or recv.")

    @Argument(help: "send or recv") var role: String
    @OptionGroup var peer: PeerOptions
    @Option(help: "Bytes per message (at least 8: the sequence number).") var size: Int
    @Option(help: "Messages to send.") var count: Int
    @Flag(help: "recv: take messages in a handler on the loop thread (the server face) instead of blocking receive.")
    var handler = false

    func validate() throws {
        guard role == "send" || role == "recv" else { throw ValidationError("role must be send or recv") }
        guard count >= 2, size >= 8 else { throw ValidationError("--count must be at least 2 and --size at least 8") }
    }

    func run() throws {
        let cpuStart = cpuNanos()
        let socket = try peer.makeSocket(.dealer)
        // Locals: argument-parser property wrappers are too slow to read per message.
        let (size, count, timeout) = (self.size, self.count, peer.timeout)
        if role == "send" {
            try peer.attach(socket)
            try Self.send(socket, size: size, count: count, timeout: timeout)
        } else if handler {
            try Self.receiveWithHandler(socket, size: size, count: count, timeout: timeout) { try peer.attach(socket) }
        } else {
            try peer.attach(socket)
            var message = Message()
            try Self.receiveOne(socket, into: &message, size: size, sequence: 0, timeout: timeout)
            let start = (wall: monotonicNanos(), cpu: cpuNanos())
            for n in 1..<count { try Self.receiveOne(socket, into: &message, size: size, sequence: n, timeout: timeout) }
            printRate(count: count, size: size, start: start, end: monotonicNanos(), cpu: cpuMicroseconds(since: start.cpu, per: count - 1))
        }
        socket.close()
        if role == "send" { printSenderCPU(since: cpuStart, count: count, size: size) }
    }

    /// Sends from a ring of bodies, each reused once the socket has let go of it: a `Message`
    /// copies small bodies and holds large ones by reference (no copy), and a body still held
    /// when its turn comes round is copied on write, so a body in flight is never changed.
    private static func send(_ socket: ZMTPSocket, size: Int, count: Int, timeout: Duration) throws {
        let template = [UInt8](repeating: 0x6D, count: size)
        var ring: [[UInt8]] = []
        let ringSize = 1100  // more than the high-water mark's 1000 messages in flight
        var message = Message()
        for n in 0..<count {
            if ring.count < ringSize { ring.append(template) }
            let slot = n % ringSize
            putSequence(UInt64(n), into: &ring[slot])
            message.removeAll()
            message.append(ring[slot])
            try socket.send(message, timeout: timeout)
        }
    }

    /// Counts messages in the loop-thread handler; the main thread waits for the last one.
    private static func receiveWithHandler(_ socket: ZMTPSocket, size: Int, count: Int, timeout: Duration,
                                           attach: () throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let state = HandlerState()
        socket.serve { _, message in
            let n = state.received
            guard message.count == 1, message[0].count == size, sequence(of: message[0][...]) == UInt64(n) else {
                state.bad = "message \(n): expected one frame of \(size) bytes with sequence number \(n)"
                done.signal()
                return
            }
            state.received += 1
            if state.received == 1 { state.start = (monotonicNanos(), cpuNanos()) }
            if state.received == count {
                state.end = monotonicNanos()
                state.cpu = cpuMicroseconds(since: state.start.cpu, per: count - 1)
                done.signal()
            }
        }
        try attach()
        guard done.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000))) == .success, state.bad == nil else {
            throw ValidationError(state.bad ?? "received \(state.received) of \(count) messages of \(size) bytes")
        }
        printRate(count: count, size: size, start: state.start, end: state.end, cpu: state.cpu)
    }

    private static func receiveOne(_ socket: ZMTPSocket, into message: inout Message, size: Int, sequence n: Int,
                                   timeout: Duration) throws {
        try socket.receive(into: &message, timeout: timeout)
        guard message.count == 1, message[0].count == size else {
            throw ValidationError("message \(n): expected one frame of \(size) bytes, got \(message.count) frames")
        }
        guard sequence(of: message[0]) == UInt64(n) else {
            throw ValidationError("message \(n): sequence number \(sequence(of: message[0]))")
        }
    }
}

extension String {
    /// A number with four decimals, without Foundation's formatter.
    init(format4 value: Double) {
        let units = Int((value * 10_000).rounded())
        let fraction = String(units % 10_000)
        self = "\(units / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}
