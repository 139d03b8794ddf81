/// Where a socket's events go: its `onEvent` callback (on the loop thread, at once) and each
/// open `SocketMonitor`'s buffer. The socket publishes on its loop thread, so events arrive in
/// order; the lock orders publishing against monitors starting and stopping.
final class SocketEventHub: Sendable {
    private struct State {
        var monitors: [ObjectIdentifier: SocketMonitor.Buffer] = [:]
        var closed = false
    }

    private let state = Locked(State())

    /// Hands `event` to every monitor; `closed` also ends them.
    func publish(_ event: SocketEvent) {
        state.withLock { state in
            guard !state.closed else { return }
            for monitor in state.monitors.values { monitor.push(event) }
            if event == .closed {
                state.closed = true
                for monitor in state.monitors.values { monitor.finish() }
                state.monitors = [:]
            }
        }
    }

    /// Starts delivering events to `buffer`; one added after `closed` is ended at once.
    func add(_ buffer: SocketMonitor.Buffer) {
        let closed = state.withLock { state in
            if !state.closed { state.monitors[ObjectIdentifier(buffer)] = buffer }
            return state.closed
        }
        if closed { buffer.finish() }
    }

    func remove(_ buffer: SocketMonitor.Buffer) {
        _ = state.withLock { $0.monitors.removeValue(forKey: ObjectIdentifier(buffer)) }
    }
}
