import Dispatch

/// Turns a dialer's host into an address without blocking the loop: a numeric address is
/// parsed at once, a name is looked up (getaddrinfo, which may wait seconds for DNS) on a
/// resolver thread and the result is posted back to the loop. Dialers resolve again at every
/// redial, as libzmq does, so a name that moved is followed.
struct HostResolver: Sendable {
    /// The blocking lookup of a name, run on a resolver thread.
    let lookup: @Sendable (_ host: String, _ port: UInt16) throws(EndpointError) -> SocketAddress

    static let system = HostResolver(lookup: SocketAddress.lookup)

    private static let threads = DispatchQueue(label: "zmtp.resolver", attributes: .concurrent)

    /// Calls `completion` on `loop` with the address of `endpoint`: at once when it is numeric
    /// or ipc (or the connect wildcard, refused), else once the lookup is done. Nothing is called if
    /// the loop shut down meanwhile. Loop thread.
    func resolve(_ endpoint: Endpoint, on loop: EventLoop,
                 _ completion: @escaping @Sendable (Result<SocketAddress, EndpointError>) -> Void) {
        assert(loop.inLoop, "a dialer resolves on its loop thread")
        if let unix = SocketAddress.unix(endpoint) { return completion(.success(unix)) }
        if endpoint.host == "*" { return completion(.failure(.wildcardConnect(endpoint.description))) }
        if let address = SocketAddress.numeric(host: endpoint.host, port: endpoint.port) {
            return completion(.success(address))
        }
        Self.threads.async { [lookup] in
            let result = Result { () throws(EndpointError) in try lookup(endpoint.host, endpoint.port) }
            loop.execute { completion(result) }
        }
    }
}
