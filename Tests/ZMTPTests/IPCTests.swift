import Foundation
import Glibc
import TestSupport
import Testing
@testable import ZMTP

/// ipc:// between our own sockets: stale socket files, bad paths, reconnects.
@Suite struct IPCTests {
    static func echoRouter(_ endpoint: String) throws -> ZMTPSocket {
        let router = try ZMTPSocket(type: .router)
        router.serve { peer, message in try? router.send([peer] + message, timeout: .zero) }
        try router.bind(endpoint)
        return router
    }

    /// The dealer connects before anything listens, and again after the router went and a
    /// new one bound the path its predecessor's socket file still occupied.
    @Test func reconnectsWhenTheBinderAppearsLater() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let endpoint = "ipc://\(directory.path)/echo.sock"
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try dealer.send([Array("first".utf8)], timeout: .zero)

        let first = try Self.echoRouter(endpoint)
        #expect(try dealer.receive(timeout: .seconds(5)) == [Array("first".utf8)])
        first.close()
        #expect(FileManager.default.fileExists(atPath: "\(directory.path)/echo.sock"), "libzmq 4.3 leaves the file")

        let second = try Self.echoRouter(endpoint)
        defer { second.close() }
        try dealer.send([Array("second".utf8)], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(5)) == [Array("second".utf8)])
    }

    @Test func abstractNamesRoundTrip() throws {
        let endpoint = "ipc://@\(TemporaryDirectory.abstractName())"
        let router = try Self.echoRouter(endpoint)
        defer { router.close() }
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try dealer.send([[1], [2, 3]], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(5)) == [[1], [2, 3]])
        let second = try ZMTPSocket(type: .router)
        defer { second.close() }
        #expect(throws: SystemError.self) { try second.bind(endpoint) }  // no file to unlink: EADDRINUSE
    }

    /// A socket file nobody listens on (a crashed binder's) is replaced; a regular file at the
    /// path is left alone and the bind fails.
    @Test func staleSocketFileIsReplacedButOtherFilesAreNot() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/stale.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let address = SocketAddress.unix(Endpoint(.ipc(path: path)))!
        #expect(address.withSockaddr { Glibc.bind(fd, $0, $1) } == 0)
        close(fd)
        #expect(FileManager.default.fileExists(atPath: path))

        let router = try Self.echoRouter("ipc://" + path)
        defer { router.close() }
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        try dealer.connect("ipc://" + path)
        try dealer.send([[42]], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(5)) == [[42]])

        let regular = "\(directory.path)/data.txt"
        #expect(FileManager.default.createFile(atPath: regular, contents: Data("keep".utf8)))
        let other = try ZMTPSocket(type: .router)
        defer { other.close() }
        #expect { try other.bind("ipc://" + regular) } throws: { ($0 as? SystemError)?.errno == .addressInUse }
        #expect(FileManager.default.contents(atPath: regular) == Data("keep".utf8))
    }

    @Test func bindInAMissingDirectoryIsATypedError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        #expect { try router.bind("ipc://\(directory.path)/missing/x.sock") } throws: { ($0 as? SystemError)?.errno == .noSuchFile }
    }

    @Test func pathTooLongIsRefusedBeforeAnySyscall() throws {
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        let path = "/tmp/" + String(repeating: "x", count: 120)
        #expect(throws: EndpointError.pathTooLong(path: path, bytes: 125, limit: 107)) { try router.bind("ipc://" + path) }
        #expect(throws: EndpointError.pathTooLong(path: path, bytes: 125, limit: 107)) { try router.connect("ipc://" + path) }
    }
}
