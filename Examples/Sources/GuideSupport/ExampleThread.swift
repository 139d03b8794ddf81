import Foundation
import ZMTP

/// A thread an example starts, as the guide's C examples start theirs with `pthread_create`:
/// a worker, a client, a step of a relay. Each makes its own sockets and uses them on that
/// thread only.
public final class ExampleThread: Sendable {
    private let finished = DispatchSemaphore(value: 0)

    fileprivate init() {}

    /// Waits for the thread's body to return.
    public func join() { finished.wait() }

    fileprivate func run(_ context: Context, _ body: @escaping @Sendable () throws -> Void) {
        Thread.detachNewThread { [self] in
            defer { finished.signal() }
            do {
                try body()
            } catch SocketError.closed, is Interrupted {
                // The program is ending: Ctrl-C, or main is done and closed every socket.
            } catch {
                if !context.isInterrupted { fail(error) }
            }
        }
    }
}

extension Context {
    /// Runs `body` on a thread of its own. It ends quietly when the program's end closes its
    /// sockets (``SocketError/closed``) or Ctrl-C interrupts its ``sleep(for:)``; any other
    /// error ends the program with status 1.
    @discardableResult
    public func thread(_ body: @escaping @Sendable () throws -> Void) -> ExampleThread {
        let thread = ExampleThread()
        thread.run(self, body)
        return thread
    }
}

/// Ends the program for an error a thread cannot handle, as ``runExample(_:)`` does for main's.
private func fail(_ error: any Error) -> Never {
    FileHandle.standardError.write(Data("E: \(error)\n".utf8))
    exit(1)
}
