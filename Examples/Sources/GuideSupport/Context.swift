import Foundation
import Synchronization
import ZMTP

/// What every example shares: its sockets, its arguments, and the end of it all on Ctrl-C.
///
/// The guide's `interrupt` example lets SIGINT make a blocked `zmq_recv` return, then closes the
/// sockets and exits. Here a SIGINT (or SIGTERM) closes every socket the context made, as
/// `zmq_ctx_shutdown` does: a blocking or async `receive` or `send` waiting on one of them
/// throws ``SocketError/closed``, a `ZMTPPoller` reports it ready (and the `receive` that follows
/// throws), a `ZMTPProxy` run throws, and ``runExample(_:)`` then exits with status 0.
/// ``sleep(for:)`` and ``wait(until:)`` end early the same way. A socket's `messages` sequence,
/// though, just ends at the close: code after a `for try await` loop over it would run at
/// Ctrl-C too, so the examples call `receive` instead.
public final class Context: Sendable {
    /// The program's flags (`--count N`, ...).
    public let arguments: Arguments

    private struct State {
        /// Held weakly, so that an example that replaces sockets (Lazy Pirate's client) does
        /// not keep every one it made.
        var sockets: [WeakSocket] = []
        var interrupted = false
    }
    private struct WeakSocket {
        weak var socket: ZMTPSocket?
    }
    private let state = Mutex(State())
    /// Wakes ``sleep(for:)`` and ``wait(until:)``.
    private let wake = NSCondition()
    private let interrupts: Interrupts

    init(arguments: Arguments) {
        self.arguments = arguments
        interrupts = Interrupts()
        lineBufferStandardOutput()
        interrupts.start { [weak self] in self?.interrupt() }
    }

    /// A socket of `type` that the interrupt closes.
    public func socket(_ type: SocketType, options: SocketOptions = SocketOptions()) throws -> ZMTPSocket {
        let socket = try ZMTPSocket(type: type, options: options)
        let interrupted = state.withLock { state in
            state.sockets.removeAll { $0.socket == nil }
            state.sockets.append(WeakSocket(socket: socket))
            return state.interrupted
        }
        if interrupted { socket.close() }
        return socket
    }

    /// Whether SIGINT arrived.
    public var isInterrupted: Bool { state.withLock { $0.interrupted } }

    /// Waits `duration` (the guide's `sleep`, standing for work); throws ``Interrupted`` when a
    /// SIGINT arrives first.
    public func sleep(for duration: Duration) throws(Interrupted) {
        let (seconds, attoseconds) = duration.components
        let deadline = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
        try wait(until: { false }, deadline: deadline)
    }

    /// Waits until `ready()` holds, checking it again at each ``wakeWaiters()``; throws
    /// ``Interrupted`` when a SIGINT arrives first.
    public func wait(until ready: () -> Bool) throws(Interrupted) {
        try wait(until: ready, deadline: nil)
    }

    /// Has ``wait(until:)`` check its condition again (from any thread).
    public func wakeWaiters() {
        wake.lock()
        wake.broadcast()
        wake.unlock()
    }

    private func wait(until ready: () -> Bool, deadline: Date?) throws(Interrupted) {
        wake.lock()
        defer { wake.unlock() }
        while !isInterrupted && !ready() {
            if let deadline {
                if !wake.wait(until: deadline) { break }
            } else {
                wake.wait()
            }
        }
        if isInterrupted { throw Interrupted() }
    }

    /// Closes every socket: each waits up to its linger for queued messages to leave.
    public func closeAll() {
        for socket in state.withLock({ $0.sockets.compactMap(\.socket) }) { socket.close() }
    }

    private func interrupt() {
        state.withLock { $0.interrupted = true }
        wakeWaiters()
        closeAll()
    }
}

/// Thrown by ``Context/sleep(for:)`` when SIGINT ends the wait.
public struct Interrupted: Error {}

/// Runs an example: `body` gets the context, and the program exits when it returns (status 0,
/// sockets closed), when it throws after a SIGINT (status 0, the guide's clean interrupt), or
/// when it throws otherwise (status 1, the error on stderr).
public func runExample(_ body: (Context) throws -> Void) -> Never {
    let context = Context(arguments: Arguments())
    do {
        try body(context)
    } catch {
        exitAfter(error, context)
    }
    context.closeAll()
    exit(0)
}

/// ``runExample(_:)`` for an example written with async calls.
public func runExample(_ body: (Context) async throws -> Void) async -> Never {
    let context = Context(arguments: Arguments())
    do {
        try await body(context)
    } catch {
        exitAfter(error, context)
    }
    context.closeAll()
    exit(0)
}

private func exitAfter(_ error: any Error, _ context: Context) -> Never {
    if context.isInterrupted {
        print("W: interrupt received, killing \(ProcessInfo.processInfo.processName)...")
        exit(0)
    }
    printError("E: \(error)")
    context.closeAll()
    exit(1)
}

/// Ends the program for a bad flag.
func fatalUsage(_ message: String) -> Never {
    printError("usage: \(message)")
    exit(2)
}

private func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
