import Glibc

/// A resolved IPv4 or IPv6 socket address held by value (no pointers to free).
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    var family: Int32 { Int32(storage.ss_family) }

    /// The wildcard address: in6addr_any (dual-stack once IPV6_V6ONLY is cleared) or INADDR_ANY.
    static func any(ipv6: Bool, port: UInt16) -> SocketAddress {
        var address = SocketAddress()
        if ipv6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_addr = in6addr_any
            address.set(sin6)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = INADDR_ANY
            address.set(sin)
        }
        return address
    }

    /// A numeric IPv4 or IPv6 address (no zone id), parsed without getaddrinfo; nil for a name.
    static func numeric(host: String, port: UInt16) -> SocketAddress? {
        var address = SocketAddress()
        var sin = sockaddr_in()
        if inet_pton(AF_INET, host, &sin.sin_addr) == 1 {
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            address.set(sin)
            return address
        }
        var sin6 = sockaddr_in6()
        if inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1 {
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            address.set(sin6)
            return address
        }
        return nil
    }

    /// A numeric address as it is, else a name looked up with `lookup` (which blocks).
    static func resolve(host: String, port: UInt16) throws(EndpointError) -> SocketAddress {
        if let address = numeric(host: host, port: port) { return address }
        return try lookup(host: host, port: port)
    }

    /// Looks a host name up with getaddrinfo. Like libzmq (without ZMQ_IPV6) a name that has
    /// both families goes to IPv4 first, so "localhost" reaches a peer bound on 127.0.0.1.
    /// It blocks (DNS may take seconds): dialers call it on a resolver thread (`HostResolver`).
    static func lookup(host: String, port: UInt16) throws(EndpointError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            let reason = rc == EAI_SYSTEM ? SystemError(operation: "getaddrinfo", errno: .current).description
                : String(cString: gai_strerror(rc))
            throw .unresolvable(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var chosen: UnsafeMutablePointer<addrinfo>?
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            let family = info.pointee.ai_family
            if family == AF_INET { chosen = info; break }
            if family == AF_INET6, chosen == nil { chosen = info }
            cursor = info.pointee.ai_next
        }
        guard let info = chosen, let sockaddrPointer = info.pointee.ai_addr,
              Int(info.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else {
            throw .unresolvable(host: host, reason: "no IPv4 or IPv6 address")
        }
        var address = SocketAddress()
        address.length = info.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &address.storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: sockaddrPointer, count: Int(info.pointee.ai_addrlen)))
        }
        return address
    }

    /// Reads a socket's local (getsockname) or remote (getpeername) address.
    static func of(_ fd: Int32, peer: Bool) -> Result<SocketAddress, Errno> {
        var address = SocketAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return Syscall.run {
            address.withMutableSockaddr { pointer, length in
                peer ? getpeername(fd, pointer, length) : getsockname(fd, pointer, length)
            }
        }.map { _ in address }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    mutating func withMutableSockaddr<R>(_ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) throws -> R) rethrows -> R {
        try withUnsafeMutableBytes(of: &storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
    }

    var port: UInt16? {
        switch family {
        case AF_INET: return UInt16(bigEndian: load(sockaddr_in.self).sin_port)
        case AF_INET6: return UInt16(bigEndian: load(sockaddr_in6.self).sin6_port)
        default: return nil
        }
    }

    /// "127.0.0.1:5555" or "[::1]:5555"; IPv4-mapped IPv6 (a dual-stack listener's IPv4 peer)
    /// is shown as plain IPv4.
    var text: String {
        guard let port else { return "unknown address family \(family)" }
        switch family {
        case AF_INET:
            var addr = load(sockaddr_in.self).sin_addr
            return "\(Self.ntop(AF_INET, &addr, MemoryLayout<in_addr>.size)):\(port)"
        default:
            var addr = load(sockaddr_in6.self).sin6_addr
            let bytes = withUnsafeBytes(of: &addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return "\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15]):\(port)"
            }
            return "[\(Self.ntop(AF_INET6, &addr, MemoryLayout<in6_addr>.size))]:\(port)"
        }
    }

    private func load<T>(_ type: T.Type) -> T {
        withUnsafeBytes(of: storage) { $0.loadUnaligned(as: T.self) }
    }

    private mutating func set<T>(_ value: T) {
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: value, as: T.self) }
        length = socklen_t(MemoryLayout<T>.size)
    }

    private static func ntop(_ family: Int32, _ addr: UnsafeRawPointer, _ size: Int) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, addr, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
