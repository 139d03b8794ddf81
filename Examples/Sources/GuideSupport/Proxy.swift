import ZMTP

extension Context {
    /// Runs `ZMTPProxy(frontend:backend:)` until Ctrl-C closes the sockets, as the guide's
    /// proxies run for ever. With `--count N` it returns once it has passed on N messages for
    /// which `counted` holds (replies, updates), and the program's end sends them on: the
    /// sockets' close lingers for what they still queue.
    public func runProxy(frontend: ZMTPSocket, backend: ZMTPSocket,
                         counted: @escaping @Sendable ([[UInt8]]) -> Bool) throws {
        guard let count = arguments.count else {
            return try ZMTPProxy(frontend: frontend, backend: backend).run()
        }
        let capture = try socket(.pair)
        try capture.bind("inproc://guide-proxy-capture")
        let control = try socket(.pair)
        try control.bind("inproc://guide-proxy-control")
        thread { try self.stopProxy(after: count, counted) }
        try ZMTPProxy(frontend: frontend, backend: backend, capture: capture, control: control).run()
    }

    /// Reads the proxy's copy of every message it moves and, after the copy of the `count`th
    /// counted one, tells it to TERMINATE. The proxy sends a message on after making its copy
    /// and obeys a command only between messages, so by the time it stops that message is
    /// queued on its destination.
    private func stopProxy(after count: Int, _ counted: ([[UInt8]]) -> Bool) throws {
        let copies = try socket(.pair)
        try copies.connect("inproc://guide-proxy-capture")
        let control = try socket(.pair)
        try control.connect("inproc://guide-proxy-control")
        var seen = 0
        while seen < count {
            if counted(try copies.receive()) { seen += 1 }
        }
        try control.send([Array("TERMINATE".utf8)])
    }
}
