// CLinux as well: its headers include glibc's socket headers, and a compiler job that loads it
// first (which depends on how the module's files are batched) finds SOCK_* only through it.
import CLinux
import Glibc

/// The listening side of ipc:// (Unix stream sockets). Connected sockets need nothing of their
/// own: `TCP.connect(to:)`, `TCP.accept`, `TCP.read` and `TCP.write` serve any stream socket.
enum UnixSocket {
    /// Binds and listens on a path or an abstract name. As libzmq 4.3 does, a socket file already
    /// at the path is unlinked first, whether a crashed process left it or a live one still
    /// listens there (that one keeps its connections; new ones come here). Unlike libzmq, a path
    /// holding anything other than a socket is left alone and the bind fails with EADDRINUSE.
    /// The file is not removed when the listener closes (libzmq 4.3 leaves it too).
    static func listen(_ endpoint: Endpoint, backlog: Int32) throws(SystemError) -> Int32 {
        guard let address = SocketAddress.unix(endpoint) else {
            preconditionFailure("UnixSocket.listen takes ipc endpoints")
        }
        if case .ipc(let path) = endpoint.address { try removeStaleSocket(at: path) }
        let fd = try Syscall.run {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        }.get("socket(AF_UNIX)")
        do throws(SystemError) {
            _ = try Syscall.run { address.withSockaddr { bind(fd, $0, $1) } }.get("bind \(endpoint)")
            _ = try Syscall.run { Glibc.listen(fd, backlog) }.get("listen")
            return fd
        } catch {
            TCP.close(fd)
            throw error
        }
    }

    private static func removeStaleSocket(at path: String) throws(SystemError) {
        var status = stat()
        // Nothing there, or not reachable: bind says why.
        guard case .success = Syscall.run({ lstat(path, &status) }) else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemError(operation: "bind ipc://\(path): the path exists and is not a socket", errno: .addressInUse)
        }
        switch Syscall.run({ unlink(path) }) {
        case .success, .failure(.noSuchFile): return
        case .failure(let errno): throw SystemError(operation: "unlink \(path)", errno: errno)
        }
    }
}

extension SocketAddress {
    /// The sockaddr_un of an ipc endpoint (nil for other transports), with the lengths libzmq
    /// uses: the whole structure for a path; for an abstract name, exactly its bytes after the
    /// leading zero, which is how the kernel tells abstract names apart.
    static func unix(_ endpoint: Endpoint) -> SocketAddress? {
        let bytes: [UInt8]
        switch endpoint.address {
        case .ipc(let path): bytes = Array(path.utf8)
        case .ipcAbstract(let name): bytes = [0] + Array(name.utf8)
        case .tcp, .inproc: return nil
        }
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sun.sun_path) { raw in
            precondition(bytes.count < raw.count, "Endpoint.parse bounds ipc paths")
            raw.copyBytes(from: bytes)
        }
        var address = SocketAddress()
        withUnsafeMutableBytes(of: &address.storage) { $0.storeBytes(of: sun, as: sockaddr_un.self) }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        address.length = socklen_t(bytes.first == 0 ? pathOffset + bytes.count : MemoryLayout<sockaddr_un>.size)
        return address
    }

    /// "ipc://PATH" or "ipc://@NAME" for a named Unix socket address, "ipc peer" for the unnamed
    /// address a connecting Unix socket has.
    var unixText: String {
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let count = Int(length) - pathOffset
        guard count > 0 else { return "ipc peer" }
        let bytes = withUnsafeBytes(of: storage) { Array($0[pathOffset..<(pathOffset + count)]) }
        if bytes[0] == 0 { return "ipc://@" + String(decoding: bytes.dropFirst(), as: UTF8.self) }
        return "ipc://" + String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
