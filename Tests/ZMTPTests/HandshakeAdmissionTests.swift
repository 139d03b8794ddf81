import Foundation
import Glibc
import TestSupport
import Testing
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// A listener at its cap of connections in handshake: crowds of real libzmq clients all get in,
/// stalled connections make room, and progressing handshakes are never evicted.
@Suite(.serialized) struct HandshakeAdmissionTests {
    /// A CURVE echo ROUTER on its own loop, with a small cap.
    struct Server {
        let router: ZMTPSocket
        let loop: EventLoop
        let port: UInt16
        let publicKey: CurvePublicKey
        let events: EventLog

        init(cap: Int, stallLimit: Duration = SocketOptions().handshakeStallLimit, null: Bool = false) throws {
            let keys = CurveKeyPair.generate()
            var options = SocketOptions()
            options.security = null ? .null : .curveServer(secretKey: keys.secretKey)
            options.maxHandshakingConnections = cap
            options.handshakeStallLimit = stallLimit
            options.backlog = 4096
            let events = EventLog()
            options.onEvent = { event in
                if case .accepted = event { return }
                if case .handshakeSucceeded = event { return }
                events.append(event)
            }
            loop = try EventLoop(name: "admission-test")
            let router = try ZMTPSocket(type: .router, options: options, loop: loop)
            router.serve { peer, message in try? router.send([peer] + message, timeout: .zero) }
            port = try router.bind("tcp://127.0.0.1:0").port
            self.router = router
            self.events = events
            publicKey = keys.publicKey
        }

        func stop() {
            router.close()
            loop.shutdown()
        }

        /// Peers ("127.0.0.1:port") whose handshake was evicted.
        var evicted: [String] {
            events.all.compactMap { if case .handshakeFailed(let peer, .handshakeStalled) = $0 { peer } else { nil } }
        }

        /// `count` libzmq CURVE clients in `processes` processes, all connecting at once.
        func storm(_ count: Int, processes: Int) throws -> [ChildProcess] {
            // `--server-key=KEY` in one argument: a Z85 key may start with "-", which argparse
            // takes for an option when it comes as an argument of its own.
            try (0..<processes).map { n in
                try ChildProcess.stormClients(["--connect", "tcp://127.0.0.1:\(port)", "--server-key=\(publicKey.z85)",
                                               "--count", "\(count / processes)", "--sources", "127.0.0.\(n + 2)",
                                               "--timeout-ms", "100000"])
            }
        }
    }

    /// The crowds' clients share two cores with the server and each other: under load one can
    /// be silent for seconds before its first byte, which the default limit would take for a
    /// stall. The property shown is who gets evicted, so their limit is generous.
    static let crowdStallLimit: Duration = .seconds(10)

    /// "127.0.0.1:port" of a raw peer's own end, as the server names it.
    static func localName(_ peer: RawPeer) -> String {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(peer.fd, $0, &length) }
        }
        return "127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
    }

    @Test(.timeLimit(.minutes(3)))
    func crowdLargerThanTheCapAllCompletesWithoutEvictions() throws {
        let server = try Server(cap: 256, stallLimit: Self.crowdStallLimit)
        defer { server.stop() }
        let storm = try server.storm(3000, processes: 2)
        defer { storm.forEach { $0.kill() } }
        for clients in storm {
            let line = clients.waitLine("OK", timeout: 150)
            #expect(line != nil, "\(clients.allLines.suffix(3))")
            print("crowd of 3000 against a cap of 256: \(line ?? "no OK")")
        }
        // Nobody stalled, so nobody was evicted; nothing failed.
        #expect(server.router.handshakeStats == HandshakeStats(), "\(server.events.all.prefix(5))")
    }

    @Test(.timeLimit(.minutes(3)))
    func stallFloodDuringTheCrowdLetsEveryClientIn() throws {
        let stalledCount = 500
        let server = try Server(cap: 256, stallLimit: Self.crowdStallLimit)
        defer { server.stop() }
        let storm = try server.storm(2000, processes: 2)
        defer { storm.forEach { $0.kill() } }
        let half = Array(Greeting(mechanism: "CURVE").encoded().prefix(32))
        var stalled: [RawPeer] = []
        for _ in 0..<stalledCount {
            let peer = try RawPeer(port: server.port, timeoutSeconds: 5)
            peer.write(half)
            stalled.append(peer)
        }
        for clients in storm {
            let line = clients.waitLine("OK", timeout: 150)
            #expect(line != nil, "\(clients.allLines.suffix(3))")
            print("crowd of 2000 with \(stalledCount) stalled half greetings, cap 256: \(line ?? "no OK")")
        }
        // Only stalled connections were evicted, each at most once (they do not reconnect).
        let stalledNames = Set(stalled.map(Self.localName))
        let evicted = server.evicted
        #expect(evicted.allSatisfy { stalledNames.contains($0) }, "\(evicted.filter { !stalledNames.contains($0) }.prefix(5))")
        #expect(server.router.handshakeStats.evictions == UInt64(evicted.count))
        #expect(evicted.count <= stalledCount)
        print("evicted \(evicted.count) of \(stalledCount) stalled connections")
    }

    @Test func slowButSteppingHandshakeIsNeverEvicted() throws {
        // NULL, cap 2, stall limit 1 s: one peer takes a handshake step every 0.7 s, one
        // stalls, and a newcomer waits. The staller makes room; the slow one completes.
        let server = try Server(cap: 2, stallLimit: .seconds(1), null: true)
        defer { server.stop() }
        let greeting = Greeting(mechanism: "NULL").encoded()
        let ready = WireFrame(flags: 4, body: Command.ready(SocketType.dealer.metadata(identity: [])).encoded()).encoded()
        let message = WireFrame(flags: 0, body: [8]).encoded()
        // What the server sends a peer that sent `message`: greeting, READY, the echo.
        let answer = greeting + WireFrame(flags: 4, body: Command.ready(SocketType.router.metadata(identity: [])).encoded()).encoded() + message
        let slow = try RawPeer(port: server.port)
        let staller = try RawPeer(port: server.port)
        staller.write([0xFF])
        let newcomer = try RawPeer(port: server.port)
        newcomer.write(greeting + ready + message)

        // Pacing the slow peer (not synchronisation): steps 0.7 s apart, so it outlasts the
        // staller's stall limit while never stalling that long itself.
        for (pause, step) in [(0.3, Array(greeting.prefix(12))), (0.4, Array(greeting.dropFirst(12))), (0.7, ready + message)] {
            Thread.sleep(forTimeInterval: pause)
            #expect(slow.write(step))
        }
        #expect(slow.read(answer.count) == answer)
        #expect(newcomer.read(answer.count) == answer)
        #expect(staller.closedByPeer())
        #expect(server.events.wait { if case .handshakeFailed(_, .handshakeStalled) = $0 { true } else { false } })
        #expect(server.evicted == [Self.localName(staller)])
    }

    @Test func stalledHandshakeStaysWhileNobodyWaits() throws {
        // Below the cap nothing is evicted, however long a handshake stalls (the handshake
        // timeout bounds it).
        let server = try Server(cap: 4, stallLimit: .milliseconds(50), null: true)
        defer { server.stop() }
        let staller = try RawPeer(port: server.port)
        staller.write([0xFF])
        Thread.sleep(forTimeInterval: 0.3)  // several stall limits pass
        #expect(!staller.closedNow())
        #expect(server.router.handshakeStats == HandshakeStats())
    }

    @Test func pauseTimerDoesNotTouchTheListenerAfterClose() throws {
        // An accept error pauses the listener for 100 ms. Closed within the pause, the timer
        // must not re-register the fd number, which by then may belong to another file.
        let loop = try EventLoop(name: "pause-test")
        defer { loop.shutdown() }
        let socket = try ZMTPSocket(type: .router, loop: loop)
        try socket.bind("tcp://127.0.0.1:0")
        let fd = try loop.submit { () -> Int32 in
            let listener = socket.listeners[0]
            listener.pauseAfterError()
            return listener.fd
        }
        socket.close()
        // The fd number is free again: take it (best effort: another thread may be quicker).
        let reuse = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(reuse) }
        // A loop timer after the pause's deadline: once it ran, the pause timer has too.
        let done = DispatchSemaphore(value: 0)
        loop.execute { _ = loop.schedule(after: 200_000_000) { done.signal() } }
        #expect(done.wait(timeout: .now() + 10) == .success)
        let registered = try loop.submit { loop.isRegistered(fd: fd) }
        #expect(!registered, "fd \(fd) (reused: \(reuse == fd)) registered after the listener closed")
    }
}
