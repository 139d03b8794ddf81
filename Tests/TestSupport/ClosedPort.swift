import Glibc

/// A loopback TCP port that refuses every connection for as long as this value lives: a socket
/// bound to it that never listens holds it, so no other process (a parallel test) can take it,
/// as it could a port freed by closing a listener.
public final class ClosedPort: @unchecked Sendable {
    public let port: Int
    private let fd: Int32

    /// The socket could not be made or bound (its errno).
    public struct Failure: Error { public let errno: Int32 }

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            let error = errno
            close(fd)
            throw Failure(errno: error)
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
