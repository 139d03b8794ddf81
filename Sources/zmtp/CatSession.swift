import Foundation
import ZMTP

/// One run of `zmtp cat`: sends stdin lines and prints received messages as the role says,
/// until --count messages, the end of stdin (a type that only sends) or a timeout.
struct CatSession: Sendable {
    let socket: ZMTPSocket
    let role: CatRole
    let echo: Bool
    let count: Int?
    let timeout: Duration?

    /// The exit status: 0 when done, 1 on a timeout or a socket error.
    func run() -> Int32 {
        if role.receives {
            if role.sends && !echo { Thread.detachNewThread { [self] in _ = sendLines(stopAfterCount: false) } }
            return receiveMessages()
        }
        return sendLines(stopAfterCount: true)
    }

    /// Sends each stdin line; a line that is not a message for this type is reported and
    /// skipped. Returns the exit status once stdin ends or `count` messages are sent (when the
    /// type only sends); a failed send exits the process, which may be receiving on another thread.
    private func sendLines(stopAfterCount: Bool) -> Int32 {
        let reader = LineReader()
        var sent = 0
        var lineNumber = 0
        while let line = reader.next() {
            lineNumber += 1
            let frames: [[UInt8]]
            do {
                frames = try MessageLine.frames(line, routingIDFirst: role.routingIDFirst)
            } catch {
                printError("stdin line \(lineNumber) skipped: \(error)")
                continue
            }
            do {
                try socket.send(frames, timeout: timeout)
            } catch SocketError.timedOut {
                printError("timed out: no peer took a message within \(describe(timeout)) (\(sent) sent)")
                exit(1)
            } catch {
                printError("send failed: \(error)")
                exit(1)
            }
            sent += 1
            if stopAfterCount, let count, sent >= count { break }
        }
        return 0
    }

    /// Prints (and with --echo answers) each message until `count` of them.
    private func receiveMessages() -> Int32 {
        var received = 0
        while true {
            let message: [[UInt8]]
            do {
                message = try socket.receive(timeout: timeout)
            } catch SocketError.timedOut {
                printError("timed out: no message within \(describe(timeout)) (\(received) received)")
                return 1
            } catch {
                printError("receive failed: \(error)")
                return 1
            }
            writeAll(1, MessageLine.line(message, routingIDFirst: role.routingIDFirst))
            if echo {
                do { try socket.send(message, timeout: timeout) } catch {
                    printError("echo failed: \(error)")
                    return 1
                }
            }
            received += 1
            if let count, received >= count { return 0 }
        }
    }

    private func describe(_ timeout: Duration?) -> String {
        guard let timeout else { return "forever" }
        let (seconds, attoseconds) = timeout.components
        return "\(Double(seconds) + Double(attoseconds) / 1e18) s"
    }
}
