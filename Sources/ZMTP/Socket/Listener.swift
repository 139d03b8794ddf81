/// A listening TCP socket: accepts peers and hands each to a new PeerConnection.
final class Listener: IOHandler {
    let socket: ZMTPSocket
    let fd: Int32
    /// The bound endpoint, with the real port when port 0 was asked.
    let endpoint: Endpoint
    private var paused = false

    init(socket: ZMTPSocket, endpoint: Endpoint) throws {
        self.socket = socket
        let (fd, port) = try TCP.listen(endpoint, backlog: socket.options.backlog)
        self.fd = fd
        self.endpoint = Endpoint(host: endpoint.host, port: port)
        do {
            try socket.loop.register(fd: fd, interest: .readable, handler: self)
        } catch {
            TCP.close(fd)
            throw error
        }
    }

    func ioReady(readable: Bool, writable: Bool) {
        for _ in 0..<64 {
            let accepted: (fd: Int32, peer: String)?
            do {
                accepted = try TCP.accept(fd)
            } catch {
                // Out of descriptors or similar: stop accepting for a moment instead of spinning.
                socket.logger.error("accept on \(endpoint) failed: \(error); pausing accepts for 100 ms")
                pause()
                return
            }
            guard let (peerFD, peer) = accepted else { return }
            if socket.handshaking.count >= socket.options.maxHandshakingConnections { evictOldestHandshake() }
            do {
                let connection = try PeerConnection(socket: socket, fd: peerFD, pipe: Pipe(persistent: false), peerName: peer, dialer: nil)
                socket.acceptOrder += 1
                socket.handshaking[ObjectIdentifier(connection)] = (socket.acceptOrder, connection)
                socket.emit(.accepted(peer: peer))
            } catch {
                socket.logger.error("could not serve \(peer): \(error)")
                TCP.close(peerFD)
            }
        }
    }

    /// At the cap, the connection that has spent longest in its handshake goes: a flood of
    /// stalled connections then cycles out instead of locking real clients out until the
    /// handshake timeout (a real handshake takes a millisecond or two).
    private func evictOldestHandshake() {
        guard let oldest = socket.handshaking.values.min(by: { $0.order < $1.order })?.connection else { return }
        socket.logger.debug("\(socket.handshaking.count) connections in handshake: dropping the oldest, \(oldest.peerName)")
        oldest.fail(reason: "evicted: too many connections in handshake", error: .handshakeTimeout)
    }

    private func pause() {
        guard !paused else { return }
        paused = true
        socket.loop.unregister(fd: fd)
        socket.loop.schedule(after: 100_000_000) { [self] in
            paused = false
            try? socket.loop.register(fd: fd, interest: .readable, handler: self)
        }
    }

    func close() {
        if !paused { socket.loop.unregister(fd: fd) }
        paused = true
        TCP.close(fd)
    }
}
