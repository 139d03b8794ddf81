import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM (as the guide's interrupt example catches both) into calls on a
/// dispatch queue: the signals are ignored for the process and dispatch sources report them,
/// so nothing runs inside a signal handler. Unchecked: dispatch sources are thread-safe, and
/// these are only set up and resumed, once.
final class Interrupts: @unchecked Sendable {
    private static let signals = [SIGINT, SIGTERM]
    private let sources: [any DispatchSourceSignal]

    init() {
        // Blocked on this thread, and so on every thread the example starts after it: libdispatch
        // on Linux reads signals from a signalfd, which sees one only while it is pending, and a
        // thread that does not block it could take it first.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for number in Self.signals { sigaddset(&blocked, number) }
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        let queue = DispatchQueue(label: "guide.interrupts")
        sources = Self.signals.map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
    }

    /// Calls `handler` on the queue at each of the signals.
    func start(_ handler: @escaping @Sendable () -> Void) {
        for (number, source) in zip(Self.signals, sources) {
            signal(number, SIG_IGN)
            source.setEventHandler(handler: handler)
            source.resume()
        }
    }
}
