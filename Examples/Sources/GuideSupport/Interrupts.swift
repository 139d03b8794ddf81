import Dispatch
import Foundation

/// Turns SIGINT into a call on a dispatch queue: the signal is ignored for the process and a
/// dispatch source reports it, so nothing runs inside a signal handler. Unchecked: a dispatch
/// source is thread-safe, and this one is only set up and resumed, once.
final class Interrupts: @unchecked Sendable {
    private let queue = DispatchQueue(label: "guide.interrupts")
    private let source: any DispatchSourceSignal

    init() {
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: queue)
    }

    /// Calls `handler` on the queue at each SIGINT.
    func start(_ handler: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source.setEventHandler(handler: handler)
        source.resume()
    }
}
