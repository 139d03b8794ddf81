import Glibc

/// A blocking TCP connection to 127.0.0.1 that writes any bytes and reads with a timeout, so
/// every wait is bounded: the hostile peer of the fault and hostile-input tests.
public final class RawPeer {
    public let fd: Int32

    public struct ConnectFailed: Error, CustomStringConvertible {
        public let errno: Int32
        public var description: String { "connect to 127.0.0.1 failed: \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    public init(port: UInt16, timeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let error = errno
            Glibc.close(fd)
            throw ConnectFailed(errno: error)
        }
    }

    deinit { Glibc.close(fd) }

    /// Writes all of `bytes` (bounded by the send timeout); false if the peer closed first.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads exactly `count` bytes, or fewer at EOF or the receive timeout.
    public func read(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out.count < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, min(count - out.count, $0.count), 0) }
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// True when the server closed the connection (EOF or reset) within the receive timeout;
    /// whatever it sent first is skipped.
    public func closedByPeer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    /// Without waiting: true when the server has already closed the connection.
    public func closedNow() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }
}
