@_spi(Engine) import ZMTPCore

/// Endpoints beyond bind and connect over streams: inproc's bind and connect, and `unbind` and
/// `disconnect` for every transport (zmq_unbind and zmq_disconnect).
extension ZMTPSocket {
    /// Stops listening on `endpoint` (as `bind` returned it: the real port, not 0) and closes the
    /// connections accepted through it, as libzmq's listener takes its sessions down with it.
    /// An ipc socket file stays (as with libzmq). Throws `SocketError.endpointNotFound` for an
    /// endpoint this socket has not bound.
    public func unbind(_ endpoint: String) throws {
        let ep = try Endpoint.parse(endpoint)
        try onLoop {
            if case .inproc(let name) = ep.address {
                guard self.inprocNames.contains(ep) else { throw SocketError.endpointNotFound(endpoint) }
                self.inprocNames.removeAll { $0 == ep }
                InprocRegistry.shared.unbind(name, self)
            } else {
                let unbound = self.listeners.filter { $0.endpoint == ep }
                guard !unbound.isEmpty else { throw SocketError.endpointNotFound(endpoint) }
                for listener in unbound { listener.close() }
                self.listeners.removeAll { $0.endpoint == ep }
            }
            for link in Array(self.connections.values) where link.acceptedOn == ep {
                link.close(reason: "unbound from \(ep)")
            }
        }
    }

    /// Stops connecting to `endpoint` (as given to `connect`): the connection closes, no
    /// reconnect follows, and the messages still queued for it are dropped (an inproc peer
    /// gets them, as when the socket closes). Throws
    /// `SocketError.endpointNotFound` for an endpoint this socket has not connected.
    public func disconnect(_ endpoint: String) throws {
        let ep = try Endpoint.parse(endpoint)
        try onLoop {
            let reason = "disconnected from \(ep) by the application"
            if case .inproc = ep.address {
                let dropped = self.inprocConnectors.filter { $0.endpoint == ep }
                guard !dropped.isEmpty else { throw SocketError.endpointNotFound(endpoint) }
                for connector in dropped { connector.stop(reason: reason) }
                self.inprocConnectors.removeAll { $0.endpoint == ep }
                return
            }
            let dropped = self.dialers.filter { $0.endpoint == ep }
            guard !dropped.isEmpty else { throw SocketError.endpointNotFound(endpoint) }
            for dialer in dropped { dialer.stop(reason: reason) }
            self.dialers.removeAll { $0.endpoint == ep }
            self.lock.withLock {
                for dialer in dropped {
                    self.pipes.removeAll { $0 === dialer.pipe }
                    dialer.pipe.outbound.removeAll()
                }
            }
        }
    }

    func bindInproc(_ endpoint: Endpoint, name: String) throws -> Endpoint {
        try onLoop {
            let waiting = try InprocRegistry.shared.bind(name, self)
            self.inprocNames.append(endpoint)
            self.emit(.listening(endpoint))
            for connector in waiting { InprocPeer.link(connector, to: self) }
            return endpoint
        }
    }

    func connectInproc(_ endpoint: Endpoint, name: String) throws {
        try onLoop {
            let connector = InprocConnector(socket: self, endpoint: endpoint, name: name)
            self.inprocConnectors.append(connector)
            connector.start()
        }
    }

    /// Socket close: frees the names and drops the connects (their links close with them).
    func closeInproc() {
        assert(loop.inLoop)
        for name in inprocNames {
            if case .inproc(let name) = name.address { InprocRegistry.shared.unbind(name, self) }
        }
        for connector in inprocConnectors { connector.stop(reason: "socket closed") }
        inprocNames = []
        inprocConnectors = []
    }
}
