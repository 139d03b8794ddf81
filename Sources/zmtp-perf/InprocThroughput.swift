import ArgumentParser
import Dispatch
import Foundation
import ZMTP

/// Both ends of `thr` in one process over inproc://: a DEALER on its own thread sends COUNT
/// messages of SIZE bytes to a ROUTER that times them from first to last, as libzmq's
/// inproc_thr does, and the process's CPU per message over that time. The sockets share the process's event loop, as in an application.
struct InprocThroughput: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inproc-thr",
                                                    abstract: "Throughput over inproc://, sender and receiver in this process.")

    @Option(help: "Bytes per message.") var size: Int
    @Option(help: "Messages to send.") var count: Int
    @Option(name: .customLong("timeout-ms"), help: "Give up after this long without progress.") var timeoutMs = 30_000

    func validate() throws {
        guard count >= 2, size >= 0 else { throw ValidationError("--count must be at least 2 and --size at least 0") }
    }

    func run() throws {
        let (size, count, timeout) = (self.size, self.count, Duration.milliseconds(timeoutMs))
        let endpoint = "inproc://zmtp-perf-thr"
        let receiver = try ZMTPSocket(type: .router)
        try receiver.bind(endpoint)
        let sender = try ZMTPSocket(type: .dealer)
        try sender.connect(endpoint)
        let sent = DispatchSemaphore(value: 0)
        let failure = Failure()
        Thread.detachNewThread {
            // One reused Message, as libzmq's perf tools reuse one zmq_msg_t.
            let message = Message([[UInt8](repeating: 0x6D, count: size)])
            do {
                for _ in 0..<count { try sender.send(message, timeout: timeout) }
            } catch {
                failure.text = "send: \(error)"
            }
            sent.signal()
        }
        var message = Message()
        try receiver.receive(into: &message, timeout: timeout)
        let start = monotonicNanos()
        let cpuStart = cpuNanos()
        for _ in 1..<count {
            try receiver.receive(into: &message, timeout: timeout)
            guard message.count == 2, message[1].count == size else {
                throw ValidationError("expected [routing id, \(size) bytes], got \(message.count) frames")
            }
        }
        let seconds = Double(max(1, monotonicNanos() - start)) / 1e9
        let cpu = cpuMicroseconds(since: cpuStart, per: count - 1)
        sent.wait()
        if let text = failure.text { throw ValidationError(text) }
        let rate = Double(count - 1) / seconds
        let megabytes = String(format4: rate * Double(size) / 1e6)
        print("msgs/s=\(Int(rate)) MB/s=\(megabytes) seconds=\(String(format4: seconds)) cpu_us=\(cpu) count=\(count) size=\(size)")
        sender.close()
        receiver.close()
    }

    /// Written by the sender thread before it signals; read after the wait.
    private final class Failure: @unchecked Sendable {
        var text: String?
    }
}
