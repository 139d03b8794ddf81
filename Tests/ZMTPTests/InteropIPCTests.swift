import Foundation
import TestSupport
import Testing
@testable import ZMTP

/// Our DEALER and ROUTER against pyzmq (libzmq 4.3.5) over ipc://, on a path and in the
/// abstract namespace, in both directions, NULL and CURVE.
@Suite(.serialized) struct InteropIPCTests {
    enum Place: String, CaseIterable, Sendable { case path, abstract }

    /// A fresh endpoint; the directory (for a path) is removed by the caller.
    static func endpoint(_ place: Place) throws -> (String, TemporaryDirectory?) {
        switch place {
        case .path:
            let directory = try TemporaryDirectory()
            return ("ipc://\(directory.path)/peer.sock", directory)
        case .abstract:
            return ("ipc://@\(TemporaryDirectory.abstractName())", nil)
        }
    }

    static func roundTrips(_ dealer: ZMTPSocket) throws {
        let multipart: [[UInt8]] = [[], Array("over ipc".utf8), []]
        try dealer.send(multipart, timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(10)) == multipart)
        let big = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try dealer.send([big], timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(10)) == [big])
        #expect(try InteropNullTests.pipelinedEcho(dealer, count: 10_000) == "ok")
    }

    @Test(arguments: Place.allCases) func ourDealerToPyzmqRouter(place: Place) throws {
        let (endpoint, directory) = try Self.endpoint(place)
        defer { directory?.remove() }
        let peer = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", endpoint, "--mode", "echo"])
        defer { peer.stop() }
        #expect(try peer.endpoint() == endpoint)
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try Self.roundTrips(dealer)
    }

    @Test(arguments: Place.allCases) func pyzmqDealerToOurRouter(place: Place) throws {
        let (endpoint, directory) = try Self.endpoint(place)
        defer { directory?.remove() }
        let (router, bound) = try InteropNullTests.echoRouter(bind: endpoint)
        defer { router.close() }
        #expect(bound.description == endpoint)
        let client = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint, "--mode", "client",
                                               "--fail-on-disconnect", "--count", "10000", "--multipart", "--identity", "ipc-peer"])
        #expect(client.waitExit(timeout: 60) == 0, "\(client.allLines)")
        #expect(client.allLines.contains { $0.hasPrefix("OK ") })
    }

    @Test(arguments: Place.allCases) func ourCurveDealerToPyzmqCurveRouter(place: Place) throws {
        let (endpoint, directory) = try Self.endpoint(place)
        defer { directory?.remove() }
        let server = try InteropCurveTests.pyzmqKeyPair()
        let peer = try ChildProcess.zmqPeer(["--type", "ROUTER", "--bind", endpoint, "--mode", "echo", "--curve-server", "--secret=\(server.secret)"])
        defer { peer.stop() }
        _ = try peer.endpoint()
        var options = SocketOptions()
        options.security = .curveClient(serverKey: try CurvePublicKey(z85: server.public), keyPair: .generate())
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try Self.roundTrips(dealer)
    }

    @Test(arguments: Place.allCases) func pyzmqCurveDealerToOurCurveRouter(place: Place) throws {
        let (endpoint, directory) = try Self.endpoint(place)
        defer { directory?.remove() }
        let server = CurveKeyPair.generate()
        var options = SocketOptions()
        options.security = .curveServer(secretKey: server.secretKey)
        let (router, _) = try InteropNullTests.echoRouter(options, bind: endpoint)
        defer { router.close() }
        let client = try InteropCurveTests.pyzmqKeyPair()
        let peer = try ChildProcess.zmqPeer(["--type", "DEALER", "--connect", endpoint, "--mode", "client", "--fail-on-disconnect",
                                             "--curve-client", "--server-key=\(server.publicKey.z85)", "--public=\(client.public)",
                                             "--secret=\(client.secret)", "--count", "10000", "--size", "100"])
        #expect(peer.waitExit(timeout: 60) == 0, "\(peer.allLines)")
        #expect(peer.allLines.contains { $0.hasPrefix("OK ") })
    }
}
