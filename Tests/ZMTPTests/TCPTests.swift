import Glibc
import Testing
@testable import ZMTP

/// Waits (bounded) until `fd` reports one of `events`; returns the revents, 0 on timeout.
private func pollFD(_ fd: Int32, _ events: Int32, timeoutMs: Int32 = 5_000) -> Int16 {
    var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
    while true {
        let rc = poll(&entry, 1, timeoutMs)
        if rc >= 0 { return rc == 0 ? 0 : entry.revents }
        if errno != EINTR { return 0 }
    }
}

/// Dials `endpoint` and waits for the connect to complete (or throw).
private func dial(_ endpoint: Endpoint) throws -> Int32 {
    let (fd, connected) = try TCP.connect(endpoint)
    if !connected {
        guard pollFD(fd, Int32(POLLOUT)) != 0 else {
            TCP.close(fd)
            throw SystemError(operation: "test connect", errno: .timedOut)
        }
        do { try TCP.finishConnect(fd) } catch { TCP.close(fd); throw error }
    }
    return fd
}

/// Waits for and accepts one connection.
private func acceptOne(_ listenFD: Int32) throws -> (fd: Int32, peer: String) {
    #expect(pollFD(listenFD, Int32(POLLIN)) != 0, "no connection arrived")
    guard let accepted = try TCP.accept(listenFD) else {
        throw SystemError(operation: "test accept", errno: .wouldBlock)
    }
    return accepted
}

private func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: count)
    while result.count < count {
        let outcome = try buffer.withUnsafeMutableBytes { try TCP.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<(count - result.count)])) }
        switch outcome {
        case .bytes(let n): result += buffer[..<n]
        case .wouldBlock: guard pollFD(fd, Int32(POLLIN)) != 0 else { return result }
        case .eof: return result
        }
    }
    return result
}

@Suite struct TCPTests {
    /// Whether ::1 can be bound here (containers often lack IPv6).
    static let hasIPv6Loopback: Bool = {
        guard let (fd, _) = try? TCP.listen(Endpoint(host: "::1", port: 0)) else { return false }
        TCP.close(fd)
        return true
    }()

    @Test func listenOnPortZeroReportsTheBoundPort() throws {
        let (fd, port) = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        defer { TCP.close(fd) }
        #expect(port != 0)
        #expect(TCP.localPort(fd) == port)
        #expect(try TCP.accept(fd) == nil, "nothing pending: accept must return nil, not block")
    }

    @Test func bindingAPortInUseFails() throws {
        let (fd, port) = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        defer { TCP.close(fd) }
        #expect {
            _ = try TCP.listen(Endpoint(host: "127.0.0.1", port: port))
        } throws: { ($0 as? SystemError)?.errno == .addressInUse }
    }

    @Test func bytesCrossOverIPv4AndEOFFollowsClose() throws {
        try exchange(host: "127.0.0.1", expectPeerPrefix: "127.0.0.1:")
    }

    @Test(.enabled(if: TCPTests.hasIPv6Loopback, "no IPv6 loopback on this machine"))
    func bytesCrossOverIPv6() throws {
        try exchange(host: "::1", expectPeerPrefix: "[::1]:")
    }

    @Test func localhostResolves() throws {
        let (listenFD, port) = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        defer { TCP.close(listenFD) }
        let client = try dial(Endpoint(host: "localhost", port: port))
        defer { TCP.close(client) }
        let (server, _) = try acceptOne(listenFD)
        TCP.close(server)
    }

    @Test func wildcardListenAcceptsIPv4() throws {
        let (listenFD, port) = try TCP.listen(try Endpoint.parse("tcp://*:0"))
        defer { TCP.close(listenFD) }
        let client = try dial(Endpoint(host: "127.0.0.1", port: port))
        defer { TCP.close(client) }
        let (server, peer) = try acceptOne(listenFD)
        defer { TCP.close(server) }
        #expect(peer.hasPrefix("127.0.0.1:"), "IPv4-mapped peers are shown as IPv4, got \(peer)")
    }

    @Test func connectToAClosedPortIsRefused() throws {
        let (listenFD, port) = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        TCP.close(listenFD)
        #expect {
            _ = try dial(Endpoint(host: "127.0.0.1", port: port))
        } throws: { error in
            guard let error = error as? SystemError else { return false }
            return error.errno == .connectionRefused && error.operation == "connect"
        }
        #expect(SystemError(operation: "connect", errno: .connectionRefused).description == "connect: Connection refused (errno 111)")
    }

    @Test func connectingToTheWildcardIsRefusedWithAClearError() {
        #expect(throws: EndpointError.wildcardConnect("tcp://*:5")) { _ = try TCP.connect(Endpoint(host: "*", port: 5)) }
    }

    @Test func writingToAClosedPeerThrowsInsteadOfRaisingSIGPIPE() throws {
        let (listenFD, port) = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        defer { TCP.close(listenFD) }
        let client = try dial(Endpoint(host: "127.0.0.1", port: port))
        defer { TCP.close(client) }
        let (server, _) = try acceptOne(listenFD)
        TCP.close(server)
        let chunk = [UInt8](repeating: 7, count: 4096)
        // The first write may succeed (it draws the RST); a later one must fail, boundedly.
        var failure: SystemError?
        for _ in 0..<100 where failure == nil {
            do { _ = try chunk.withUnsafeBytes { try TCP.write(client, $0) } } catch let error as SystemError { failure = error }
            if failure == nil { _ = pollFD(client, Int32(POLLERR), timeoutMs: 50) }
        }
        #expect(failure.map { [Errno.brokenPipe, .connectionReset].contains($0.errno) } == true)
    }

    @Test func vectoredWriteGathersBuffers() throws {
        let (listenFD, port) = try TCP.listen(Endpoint(host: "127.0.0.1", port: 0))
        defer { TCP.close(listenFD) }
        let client = try dial(Endpoint(host: "127.0.0.1", port: port))
        defer { TCP.close(client) }
        let (server, _) = try acceptOne(listenFD)
        defer { TCP.close(server) }
        let head: [UInt8] = [0x00, 0x03], body: [UInt8] = [0x61, 0x62, 0x63]
        let written = try head.withUnsafeBytes { h in
            try body.withUnsafeBytes { b in
                var vectors = [iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress), iov_len: h.count),
                               iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)]
                return try vectors.withUnsafeMutableBufferPointer { try TCP.write(client, vectors: $0) }
            }
        }
        #expect(written == 5)
        #expect(try readExactly(server, 5) == head + body)
    }

    private func exchange(host: String, expectPeerPrefix: String) throws {
        let (listenFD, port) = try TCP.listen(Endpoint(host: host, port: 0))
        defer { TCP.close(listenFD) }
        let client = try dial(Endpoint(host: host, port: port))
        let (server, peer) = try acceptOne(listenFD)
        defer { TCP.close(server) }
        #expect(peer.hasPrefix(expectPeerPrefix))

        let message = Array("hello, zmtp".utf8)
        #expect(try message.withUnsafeBytes { try TCP.write(client, $0) } == message.count)
        #expect(try readExactly(server, message.count) == message)

        var empty = [UInt8]()
        #expect(try empty.withUnsafeMutableBytes { try TCP.read(server, into: $0) } == .bytes(0))
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try TCP.read(server, into: $0) } == .wouldBlock)

        TCP.close(client)
        #expect(pollFD(server, Int32(POLLIN)) != 0)
        #expect(try buffer.withUnsafeMutableBytes { try TCP.read(server, into: $0) } == .eof)
    }
}
