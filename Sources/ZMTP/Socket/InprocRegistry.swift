@_spi(Engine) import ZMTPCore
import Synchronization

/// The inproc names of this process: the socket bound to each, and the connects waiting for
/// one to bind (libzmq 4.x lets connect come first). Thread-safe.
final class InprocRegistry: Sendable {
    static let shared = InprocRegistry()

    private struct Name {
        var binder: ZMTPSocket?
        var waiting: [InprocConnector] = []
    }

    private let names = Mutex<[String: Name]>([:])

    /// Makes `socket` the binder of `name`; returns the connects that waited for it.
    func bind(_ name: String, _ socket: ZMTPSocket) throws(SocketError) -> [InprocConnector] {
        try names.withLock { names throws(SocketError) in
            var entry = names[name] ?? Name()
            if entry.binder != nil { throw SocketError.addressInUse("inproc://\(name)") }
            let waiting = entry.waiting
            entry = Name(binder: socket)
            names[name] = entry
            return waiting
        }
    }

    /// Frees `name` if `socket` holds it; connects made later wait for the next bind.
    func unbind(_ name: String, _ socket: ZMTPSocket) {
        names.withLock { names in
            guard names[name]?.binder === socket else { return }
            names[name] = nil
        }
    }

    /// The socket bound to the connector's name, or nil once the connector waits for one.
    func connect(_ connector: InprocConnector) -> ZMTPSocket? {
        names.withLock { names in
            if let binder = names[connector.name]?.binder { return binder }
            names[connector.name, default: Name()].waiting.append(connector)
            return nil
        }
    }

    /// Forgets a waiting connector (disconnect, socket closed).
    func cancel(_ connector: InprocConnector) {
        names.withLock { names in
            guard var entry = names[connector.name] else { return }
            entry.waiting.removeAll { $0 === connector }
            names[connector.name] = entry.binder == nil && entry.waiting.isEmpty ? nil : entry
        }
    }
}

/// A socket's connect to an inproc name: its pipe queues messages from connect() on, and it
/// links with the bound socket now or when one binds. A link that ends is not made again (as in
/// libzmq): the pipe goes, with what it still held. Loop-confined to the socket's loop, except
/// that the registry holds it and a binder links it (its tasks then run on this loop).
final class InprocConnector: @unchecked Sendable {
    let socket: ZMTPSocket
    let endpoint: Endpoint
    let name: String
    let pipe: Pipe
    private var link: InprocPeer?
    private var stopped = false

    init(socket: ZMTPSocket, endpoint: Endpoint, name: String) {
        self.socket = socket
        self.endpoint = endpoint
        self.name = name
        pipe = Pipe(persistent: true)
    }

    /// Links with the bound socket, or waits for it.
    func start() {
        assert(socket.loop.inLoop)
        socket.lock.withLock { socket.pipes.append(pipe) }
        if let binder = InprocRegistry.shared.connect(self) { InprocPeer.link(self, to: binder) }
    }

    /// A link starts: false when this connect was dropped meanwhile.
    func accepts(_ end: InprocPeer) -> Bool {
        assert(socket.loop.inLoop)
        guard !stopped else { return false }
        link = end
        return true
    }

    /// The link ended: the pipe goes.
    func linkEnded() {
        assert(socket.loop.inLoop)
        link = nil
        dropPipe()
    }

    /// Drops the connect: no link is made any more, and a live one closes.
    func stop(reason: String) {
        assert(socket.loop.inLoop)
        guard !stopped else { return }
        stopped = true
        InprocRegistry.shared.cancel(self)
        link?.close(reason: reason)
        link = nil
        dropPipe()
    }

    private func dropPipe() {
        socket.lock.withLock {
            socket.pipes.removeAll { $0 === pipe }
            pipe.outbound.removeAll()
        }
    }
}
