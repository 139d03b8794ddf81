import CLinux
import Glibc

/// Thin wrappers over the TCP socket calls the engine needs. Every socket is non-blocking and
/// close-on-exec, EINTR is retried, and failures throw `SystemError` (or `EndpointError` for
/// a host that does not resolve). Sends use MSG_NOSIGNAL, so a peer that went away yields
/// EPIPE instead of a SIGPIPE that would kill the process. Accept, connect to an address, read
/// and write serve ipc's Unix stream sockets too (without TCP_NODELAY, which they lack).
package enum TCP {
    /// Binds and listens; returns the fd and the actually bound port (port 0 -> ephemeral).
    /// SO_REUSEADDR is on. "*" binds in6addr_any dual-stack, or INADDR_ANY where IPv6 is
    /// unavailable. The default backlog is 1024: libzmq's 100 makes bursts of connects wait
    /// out SYN retransmits.
    package static func listen(_ endpoint: Endpoint, backlog: Int32 = 1024) throws -> (fd: Int32, port: UInt16) {
        if endpoint.host == "*" {
            do {
                return try listen(on: .any(ipv6: true, port: endpoint.port), dualStack: true, backlog: backlog)
            } catch {
                // No IPv6 on this host: fall back to IPv4 only; any other failure stands.
                guard error.errno == .addressFamilyNotSupported || error.errno == .addressNotAvailable else { throw error }
            }
            return try listen(on: .any(ipv6: false, port: endpoint.port), dualStack: false, backlog: backlog)
        }
        let address = try SocketAddress.resolve(host: endpoint.host, port: endpoint.port)
        return try listen(on: address, dualStack: false, backlog: backlog)
    }

    /// Accepts one pending connection, non-blocking and with TCP_NODELAY set. Returns nil when
    /// none is pending. Connections that died in the queue (ECONNABORTED, EPROTO) are skipped.
    /// Resource exhaustion (EMFILE, ENFILE, ENOBUFS, ENOMEM) throws: the listener stays readable,
    /// so the caller must stop polling it for a while rather than retry at once.
    package static func accept(_ listenFD: Int32) throws(SystemError) -> (fd: Int32, peer: String)? {
        while true {
            var address = SocketAddress()
            address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let accepted = Syscall.run {
                address.withMutableSockaddr { pointer, length in clinux_accept4(listenFD, pointer, length, socketFlags) }
            }
            switch accepted {
            case .success(let fd):
                if address.family == AF_UNIX { return (fd, address.text) }
                do throws(SystemError) { try setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)") } catch {
                    close(fd)
                    throw error
                }
                return (fd, address.text)
            case .failure(.connectionAborted), .failure(.protocolError): continue
            case .failure(.wouldBlock): return nil
            case .failure(let errno): throw SystemError(operation: "accept", errno: errno)
            }
        }
    }

    /// Starts a non-blocking connect with TCP_NODELAY set. `connected` false means EINPROGRESS:
    /// wait until the fd is writable (or reports an error), then call `finishConnect`.
    /// The name of a host is looked up here, blocking: a dialer resolves first, off its loop.
    package static func connect(_ endpoint: Endpoint) throws -> (fd: Int32, connected: Bool) {
        if endpoint.host == "*" { throw EndpointError.wildcardConnect(endpoint.description) }
        return try connect(to: SocketAddress.resolve(host: endpoint.host, port: endpoint.port))
    }

    /// Starts a non-blocking connect to a resolved address, as `connect(_:)` does.
    static func connect(to address: SocketAddress) throws -> (fd: Int32, connected: Bool) {
        let fd = try makeSocket(family: address.family)
        do {
            if address.family != AF_UNIX { try setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)") }
            switch Syscall.run(retryOnInterrupt: false, { address.withSockaddr { Glibc.connect(fd, $0, $1) } }) {
            case .success: return (fd, true)
            // After EINTR a non-blocking connect carries on in the background, like EINPROGRESS.
            case .failure(.inProgress), .failure(.interrupted): return (fd, false)
            case .failure(let errno): throw SystemError(operation: "connect", errno: errno)
            }
        } catch {
            close(fd)
            throw error
        }
    }

    /// Reads SO_ERROR once the fd became writable or reported an error; throws the connect's
    /// failure (ECONNREFUSED, ETIMEDOUT, ...) as a SystemError with operation "connect".
    package static func finishConnect(_ fd: Int32) throws(SystemError) {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try Syscall.run { getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) }.get("getsockopt(SO_ERROR)")
        if error != 0 { throw SystemError(operation: "connect", errno: Errno(rawValue: error)) }
    }

    package enum ReadResult: Equatable, Sendable {
        case bytes(Int)
        case wouldBlock
        case eof
    }

    /// read(2) into the buffer; EINTR retried; ECONNRESET and other errors throw.
    /// An empty buffer reads nothing and returns `.bytes(0)` (never mistaken for EOF).
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> ReadResult {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        switch Syscall.run({ Glibc.read(fd, base, buffer.count) }) {
        case .success(0): return .eof
        case .success(let n): return .bytes(n)
        case .failure(.wouldBlock): return .wouldBlock
        case .failure(let errno): throw SystemError(operation: "read", errno: errno)
        }
    }

    /// send(2) with MSG_NOSIGNAL: returns the bytes written, 0 when the socket buffer is full.
    /// EPIPE, ECONNRESET and other errors throw.
    package static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        switch Syscall.run({ send(fd, base, bytes.count, noSignal) }) {
        case .success(let n): return n
        case .failure(.wouldBlock): return 0
        case .failure(let errno): throw SystemError(operation: "send", errno: errno)
        }
    }

    /// readv(2) into two buffers, the first filled before the second; as `read` otherwise.
    package static func read(_ fd: Int32, into first: UnsafeMutableRawBufferPointer,
                             then second: UnsafeMutableRawBufferPointer) throws(SystemError) -> ReadResult {
        var vectors = (iovec(iov_base: first.baseAddress, iov_len: first.count),
                       iovec(iov_base: second.baseAddress, iov_len: second.count))
        let result = withUnsafeMutableBytes(of: &vectors) { raw in
            Syscall.run({ readv(fd, raw.baseAddress!.assumingMemoryBound(to: iovec.self), 2) })
        }
        switch result {
        case .success(0): return first.count + second.count == 0 ? .bytes(0) : .eof
        case .success(let n): return .bytes(n)
        case .failure(.wouldBlock): return .wouldBlock
        case .failure(let errno): throw SystemError(operation: "readv", errno: errno)
        }
    }

    /// Gathers several buffers into one send (sendmsg with MSG_NOSIGNAL, the writev of sockets):
    /// returns the bytes written, which may end inside any buffer; 0 when the socket buffer is
    /// full. Only the first 1024 vectors (Linux's UIO_MAXIOV) are sent per call.
    package static func write(_ fd: Int32, vectors: UnsafeMutableBufferPointer<iovec>) throws(SystemError) -> Int {
        guard let base = vectors.baseAddress, vectors.count > 0 else { return 0 }
        var message = msghdr()
        message.msg_iov = base
        message.msg_iovlen = min(vectors.count, 1024)
        switch Syscall.run({ sendmsg(fd, &message, noSignal) }) {
        case .success(let n): return n
        case .failure(.wouldBlock): return 0
        case .failure(let errno): throw SystemError(operation: "sendmsg", errno: errno)
        }
    }

    /// Closes the fd (not retried on EINTR, see `Syscall.close`).
    package static func close(_ fd: Int32) {
        Syscall.close(fd)
    }

    /// The port a socket is bound to (getsockname), nil when it has none.
    package static func localPort(_ fd: Int32) -> UInt16? {
        try? SocketAddress.of(fd, peer: false).get().port
    }

    // MARK: - Helpers

    private static let socketFlags = Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    private static let noSignal = Int32(MSG_NOSIGNAL)

    private static func makeSocket(family: Int32) throws(SystemError) -> Int32 {
        try Syscall.run { socket(family, Int32(SOCK_STREAM.rawValue) | socketFlags, 0) }.get("socket")
    }

    private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ operation: String) throws(SystemError) {
        var value = value
        _ = try Syscall.run { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }.get(operation)
    }

    private static func listen(on address: SocketAddress, dualStack: Bool, backlog: Int32) throws(SystemError) -> (fd: Int32, port: UInt16) {
        let fd = try makeSocket(family: address.family)
        do throws(SystemError) {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)")
            if dualStack { try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 0, "setsockopt(IPV6_V6ONLY)") }
            _ = try Syscall.run { address.withSockaddr { bind(fd, $0, $1) } }.get("bind \(address.text)")
            _ = try Syscall.run { Glibc.listen(fd, backlog) }.get("listen")
            // An IP socket always has a port; none means another family.
            guard let port = try SocketAddress.of(fd, peer: false).get("getsockname").port else {
                throw SystemError(operation: "getsockname", errno: .addressFamilyNotSupported)
            }
            return (fd, port)
        } catch {
            close(fd)
            throw error
        }
    }
}
