import Dispatch
import Glibc

/// Turns signals into handlers run on a dispatch queue. Each signal's default action is
/// ignored first and libdispatch observes it, so the handler runs as ordinary code, never in
/// signal context.
final class SignalWatcher {
    /// Blocks `signals` on the calling thread, and so on every thread it starts from then on.
    /// Call it first, before any thread exists: libdispatch on Linux reads signals from a
    /// signalfd, which sees a signal only while it is pending, and a thread that does not block
    /// it can take it first (a process started from a shell or by systemd blocks none).
    static func block(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

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
