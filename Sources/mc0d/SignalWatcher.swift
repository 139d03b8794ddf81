import Dispatch
import Glibc

/// Turns signals into handlers run on a dispatch queue. Each signal's default action is
/// ignored first and libdispatch observes it, so the handler runs as ordinary code, never in
/// signal context.
final class SignalWatcher {
    private let queue = DispatchQueue(label: "mc0d.signals")
    private var sources: [DispatchSourceSignal] = []

    func on(_ sig: Int32, _ handler: @escaping @Sendable () -> Void) {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
        source.setEventHandler(handler: handler)
        source.resume()
        sources.append(source)
    }
}
