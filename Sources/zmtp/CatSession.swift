import Foundation
import Synchronization
import ZMTP

/// One run of `zmtp cat`: moves stdin lines and received messages as the role's flow says,
/// until --count messages, the end of stdin (a type that only sends) or a timeout.
struct CatSession: Sendable {
    let socket: ZMTPSocket
    let role: CatRole
    /// Made before bind and connect, so no handshake goes unseen.
    let handshakes: SocketMonitor
    let echo: Bool
    let count: Int?
    let timeout: Duration?

    /// A failure that ends the run with status 1, after its message on stderr.
    struct Stop: Error {
        let message: String
    }

    /// The exit status: 0 when done, 1 on a timeout or a socket error.
    func run() -> Int32 {
        do {
            switch role.flow {
            case .duplex:
                if !echo {
                    Thread.detachNewThread { [self] in
                        do { try sendLines(LineReader(), upTo: nil) } catch { exit(stop(error)) }
                    }
                }
                try receiveMessages()
            case .sendOnly:
                try sendLines(LineReader(), upTo: count)
            case .receiveOnly:
                try receiveMessages()
            case .request:
                try requests()
            case .reply:
                try replies()
            }
            return 0
        } catch {
            return stop(error)
        }
    }

    private func stop(_ error: Error) -> Int32 {
        printError((error as? Stop)?.message ?? "\(error)")
        return 1
    }

    /// Sends each stdin line until stdin ends or `limit` messages are sent; a line that is not
    /// a message for this type is reported and skipped.
    private func sendLines(_ reader: LineReader, upTo limit: Int?) throws {
        var sent = 0
        while limit.map({ sent < $0 }) ?? true, let frames = nextMessage(reader) {
            try send(frames, done: "\(sent) sent")
            sent += 1
        }
    }

    /// Prints (and with --echo answers) each message until `count` of them.
    private func receiveMessages() throws {
        var received = 0
        while count.map({ received < $0 }) ?? true {
            let message = try receive(done: "\(received) received")
            printMessage(message)
            if echo { try send(message, done: "\(received) received") }
            received += 1
        }
    }

    /// REQ: each stdin line goes out and its reply is printed, until stdin ends or `count` replies.
    private func requests() throws {
        let reader = LineReader()
        var replies = 0
        while count.map({ replies < $0 }) ?? true, let frames = nextMessage(reader) {
            try send(frames, done: "\(replies) replies")
            printMessage(try receive(done: "\(replies) replies"))
            replies += 1
        }
    }

    /// REP: each request is printed and answered (itself with --echo, else the next stdin line),
    /// until `count` requests or the end of stdin.
    private func replies() throws {
        let reader = LineReader()
        var answered = 0
        while count.map({ answered < $0 }) ?? true {
            let request = try receive(done: "\(answered) answered")
            printMessage(request)
            guard let reply = echo ? request : nextMessage(reader) else { return }
            try send(reply, done: "\(answered) answered")
            answered += 1
        }
    }

    /// The next stdin line that is a message for this type; nil at the end of stdin.
    private func nextMessage(_ reader: LineReader) -> [[UInt8]]? {
        while let line = reader.next() {
            do {
                return try MessageLine.frames(line, routingIDFirst: role.routingIDFirst)
            } catch {
                printError("stdin line \(reader.lineNumber) skipped: \(error)")
            }
        }
        return nil
    }

    private func send(_ message: [[UInt8]], done: String) throws {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        // ROUTER (routerMandatory): a routing id that is not connected yet is waited for.
        while true {
            switch attemptSend(message) {
            case .sent:
                return
            case .failed(.hostUnreachable(let id)):
                guard nextHandshake(until: deadline) else {
                    let hex = String(decoding: MessageLine.hexEncode(id), as: UTF8.self)
                    throw Stop(message: "timed out: no peer with routing id \(hex) within \(describe(timeout)) (\(done))")
                }
            case .failed(.timedOut):
                throw Stop(message: "timed out: no peer took a message within \(describe(timeout)) (\(done))")
            case .failed(let error):
                throw Stop(message: "send failed: \(error)")
            }
        }
    }

    /// Waits for a handshake the monitor has not reported yet (one that completed since the
    /// last wait counts), or until `deadline` (nil: no limit); false at the deadline.
    private func nextHandshake(until deadline: ContinuousClock.Instant?) -> Bool {
        let wait = HandshakeWait()
        Task { [handshakes] in
            while let event = try? await handshakes.next(timeout: deadline.map { max(.zero, ContinuousClock.now.duration(to: $0)) }) {
                if case .handshakeSucceeded = event {
                    wait.found.withLock { $0 = true }
                    break
                }
            }
            wait.done.signal()
        }
        wait.done.wait()
        return wait.found.withLock { $0 }
    }

    /// Hands the outcome of reading the (async) monitor to the thread that waits for it.
    private final class HandshakeWait: Sendable {
        let found = Mutex(false)
        let done = DispatchSemaphore(value: 0)
    }

    private enum SendOutcome { case sent, failed(SocketError) }

    private func attemptSend(_ message: [[UInt8]]) -> SendOutcome {
        do {
            try socket.send(message, timeout: timeout)
            return .sent
        } catch {
            return .failed(error)
        }
    }

    private func receive(done: String) throws -> [[UInt8]] {
        do {
            return try socket.receive(timeout: timeout)
        } catch SocketError.timedOut {
            throw Stop(message: "timed out: no message within \(describe(timeout)) (\(done))")
        } catch {
            throw Stop(message: "receive failed: \(error)")
        }
    }

    private func printMessage(_ message: [[UInt8]]) {
        writeAll(1, MessageLine.line(message, routingIDFirst: role.routingIDFirst))
    }

    private func describe(_ timeout: Duration?) -> String {
        guard let timeout else { return "forever" }
        let (seconds, attoseconds) = timeout.components
        return "\(Double(seconds) + Double(attoseconds) / 1e18) s"
    }
}
