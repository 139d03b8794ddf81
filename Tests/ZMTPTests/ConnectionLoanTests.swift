import Foundation
import Glibc
import Testing
import TestSupport
@testable import ZMTP

/// Blocking calls that borrow their connection from the loop (PeerConnection+Loan.swift):
/// order, CURVE nonces, timeouts, close, disconnects and heartbeats across the handoffs.
@Suite struct ConnectionLoanTests {
    enum Mechanism: String, CaseIterable { case null, curve }

    /// A ROUTER that echoes on its loop thread and a DEALER connected to it, ready.
    static func echoPair(_ mechanism: Mechanism, router routerOptions: SocketOptions = SocketOptions(),
                         dealer dealerOptions: SocketOptions = SocketOptions()) throws -> (router: ZMTPSocket, dealer: ZMTPSocket) {
        var routerOptions = routerOptions, dealerOptions = dealerOptions
        if mechanism == .curve {
            let server = CurveKeyPair.generate()
            routerOptions.security = .curveServer(secretKey: server.secretKey)
            dealerOptions.security = .curveClient(serverKey: server.publicKey, keyPair: .generate())
        }
        let router = try ZMTPSocket(type: .router, options: routerOptions)
        router.serve { peer, message in
            guard message != [[]] else { return }
            try? router.send([peer] + message, timeout: .zero)
        }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let dealer = try ZMTPSocket(type: .dealer, options: dealerOptions)
        try dealer.connect(endpoint.description)
        try dealer.send([[0]], timeout: .seconds(10))
        #expect(try dealer.receive(timeout: .seconds(10)) == [[0]])
        return (router, dealer)
    }

    /// Sends a request the echo leaves unanswered: the dealer's next receive is a round trip's,
    /// which reads on its own thread while it waits (a receive after a receive leaves the
    /// reading to the loop).
    static func sendUnanswered(_ dealer: ZMTPSocket) throws {
        try dealer.send([[]], timeout: .seconds(10))
    }

    /// A blocking receive on another thread: "received", "timed out" after `timeout`, or
    /// "closed".
    static func receiveOnAnotherThread(_ socket: ZMTPSocket, timeout: Duration? = nil) -> ThreadResult {
        Thread.detachNewThreadResult {
            do {
                _ = try socket.receive(timeout: timeout)
                return "received"
            } catch SocketError.timedOut {
                return "timed out"
            } catch SocketError.closed {
                return "closed"
            }
        }
    }

    /// The dealer's one connection (loop thread).
    static func connection(of socket: ZMTPSocket) throws -> PeerConnection {
        try socket.onLoop { socket.connections.values.first as! PeerConnection }
    }

    /// Two threads send numbered messages while a third waits in receive (so the connection is
    /// lent for reading, given back for the loop's flushes, and borrowed by the senders in
    /// turn): every echo comes back, each sender's in order, and with CURVE every nonce
    /// checks on both sides (a nonce out of order would close the connection).
    @Test(arguments: Mechanism.allCases)
    func mixedSendersKeepOrderAndNonces(mechanism: Mechanism) throws {
        let events = EventLog()
        var options = SocketOptions()
        options.onEvent = { events.append($0) }
        // No echo dropped at the router's high-water mark while the reader lags.
        var routerOptions = SocketOptions()
        routerOptions.sendHighWaterMark = 100_000
        let (router, dealer) = try Self.echoPair(mechanism, router: routerOptions, dealer: options)
        defer { dealer.close(); router.close() }
        let perSender = 2000
        let reader = Thread.detachNewThreadResult {
            var next: [UInt8: UInt32] = [1: 0, 2: 0]
            for _ in 0..<(2 * perSender) {
                let message = try dealer.receive(timeout: .seconds(30))
                let sender = message[0][0]
                let seq = message[1].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                guard seq == next[sender] else { return "sender \(sender): \(seq) after \(next[sender]!)" }
                next[sender] = seq + 1
            }
            return "ok"
        }
        let senders = (1...2).map { sender in
            Thread.detachNewThreadResult {
                for seq in 0..<UInt32(perSender) {
                    try dealer.send([[UInt8(sender)], withUnsafeBytes(of: seq) { Array($0) }], timeout: .seconds(30))
                }
                return "ok"
            }
        }
        for s in senders { #expect(s.wait(timeout: 60) == "ok") }
        #expect(reader.wait(timeout: 60) == "ok")
        #expect(!events.all.contains { if case .disconnected = $0 { true } else { false } })
    }

    /// A receive that times out while reading on its own thread returns the connection: the
    /// loop uses it at once (a message from the peer is read by the loop and queued). The
    /// receive waits long enough that a loaded machine still sees it lent.
    @Test(arguments: Mechanism.allCases)
    func timedOutReceiveGivesTheConnectionBack(mechanism: Mechanism) throws {
        let (router, dealer) = try Self.echoPair(mechanism)
        defer { dealer.close(); router.close() }
        try Self.sendUnanswered(dealer)
        let connection = try Self.connection(of: dealer)
        let waiting = Self.receiveOnAnotherThread(dealer, timeout: .seconds(3))
        #expect(waitUntil { connection.loan!.isLent })
        #expect(waiting.wait(timeout: 10) == "timed out")
        #expect(!connection.loan!.isLent)
        // The loop reads again: the echo lands in the queue before anyone receives.
        try dealer.send([[9]], timeout: .seconds(5))
        #expect(waitUntil { dealer.lock.withLock { !dealer.readable.isEmpty } })
        #expect(try dealer.receive(timeout: .zero) == [[9]])
    }

    /// Closing the socket while a receive reads on its own thread: the loop gets the
    /// connection back, closes it, and the receive throws `closed`.
    @Test(arguments: Mechanism.allCases)
    func closeDuringACallerRead(mechanism: Mechanism) throws {
        let events = EventLog()
        var options = SocketOptions()
        options.onEvent = { events.append($0) }
        let (router, dealer) = try Self.echoPair(mechanism, dealer: options)
        defer { router.close() }
        try Self.sendUnanswered(dealer)
        let connection = try Self.connection(of: dealer)
        let waiting = Self.receiveOnAnotherThread(dealer)
        #expect(waitUntil { connection.loan!.isLent })
        dealer.close()
        #expect(waiting.wait(timeout: 10) == "closed")
        #expect(events.wait { if case .disconnected(_, .closedLocally) = $0 { true } else { false } })
    }

    /// A socket closed after its loop was shut down (no loop work will ever ask for the
    /// connection back) still ends a receive that reads on its own thread, with no deadline,
    /// and the socket and its connection, which hold each other, are released (LeakSanitizer
    /// reports them otherwise).
    @Test func closeAfterLoopShutdownEndsACallerRead() throws {
        let loop = try EventLoop(name: "loan-shutdown", busyPoll: .zero)
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let dealer = try ZMTPSocket(type: .dealer, loop: loop)
        try dealer.connect(endpoint.description)
        try dealer.send([[1]], timeout: .seconds(10))
        #expect(try router.receive(timeout: .seconds(10)).count == 2)
        let connection = try Self.connection(of: dealer)
        let waiting = Self.receiveOnAnotherThread(dealer)
        #expect(waitUntil { connection.loan!.isLent })
        loop.shutdown()
        dealer.close()
        #expect(waiting.wait(timeout: 10) == "closed")
    }

    /// The loop shuts down while the socket closes on another thread, each first in turn: the
    /// receive reading on its own thread still ends with `closed`, and the socket and its
    /// connection are released.
    @Test func closeWhileTheLoopShutsDownEndsACallerRead() throws {
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        var options = SocketOptions()
        options.linger = .zero  // a linger asks for the lent connection first: close would come second
        for round in 0..<10 {
            let loop = try EventLoop(name: "loan-shutdown-race", busyPoll: .zero)
            let dealer = try ZMTPSocket(type: .dealer, options: options, loop: loop)
            try dealer.connect(endpoint.description)
            try dealer.send([[UInt8(round)]], timeout: .seconds(10))
            #expect(try router.receive(timeout: .seconds(10)).count == 2)
            let connection = try Self.connection(of: dealer)
            let waiting = Self.receiveOnAnotherThread(dealer)
            #expect(waitUntil { connection.loan!.isLent })
            // Whichever runs on the other thread starts a little later.
            let first = round.isMultiple(of: 2) ? dealer.close : loop.shutdown
            let second = round.isMultiple(of: 2) ? loop.shutdown : dealer.close
            let other = Thread.detachNewThreadResult {
                second()
                return "done"
            }
            first()
            #expect(waiting.wait(timeout: 10) == "closed")
            #expect(other.wait(timeout: 10) == "done")
        }
    }

    /// A shut-down loop has closed its epoll fd, whose number another loop's epoll (or any
    /// file) may take next: a borrower giving its connection back then restarts no watch,
    /// rather than add its fd to whatever holds that number (it threw EBADF here before).
    @Test func noWatchRestartsAfterLoopShutdown() throws {
        let loop = try EventLoop(name: "loan-watch", busyPoll: .zero)
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        loop.shutdown()
        #expect(!loop.stopWatch(fd: fds[0]))
        #expect(throws: Never.self) { try loop.restartWatch(fd: fds[0], generation: 0, interest: .readable) }
    }

    /// Between `shutdown()` and the join the loop still runs the tasks queued before, with its
    /// epoll fd open: a watch stopped before then and given back meanwhile is restarted, so a
    /// later change of the fd's interest finds it in epoll (it failed with ENOENT before, and
    /// the connection with it).
    @Test func watchRestartsWhileTheLoopRunsItsLastTasks() throws {
        final class Idle: IOHandler { func ioReady(readable: Bool, writable: Bool) {} }
        let loop = try EventLoop(name: "loan-last-tasks", busyPoll: .zero)
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let fd = fds[0]
        let outcome = try loop.submit { () throws -> String in
            try loop.register(fd: fd, interest: .readable, handler: Idle())
            defer { loop.unregister(fd: fd) }
            let generation = loop.generation(of: fd)
            guard loop.stopWatch(fd: fd) else { return "not stopped" }
            loop.shutdown()  // on the loop thread: only marks the loop to stop
            try loop.restartWatch(fd: fd, generation: generation, interest: .readable)
            try loop.setInterest(fd: fd, [])  // EPOLL_CTL_DEL: ENOENT unless the watch is back
            return "ok"
        }
        #expect(outcome == "ok")
        loop.shutdown()
    }

    /// The peer goes away while a receive reads on its own thread: the loop reports the
    /// disconnect, the receive keeps waiting, and gets the message of the reconnected peer.
    @Test(arguments: Mechanism.allCases)
    func peerDisconnectSeenByACallerRead(mechanism: Mechanism) throws {
        let events = EventLog()
        var options = SocketOptions()
        options.onEvent = { events.append($0) }
        options.reconnectInterval = .milliseconds(20)
        let (router, dealer) = try Self.echoPair(mechanism, dealer: options)
        defer { dealer.close(); router.close() }
        try Self.sendUnanswered(dealer)
        let connection = try Self.connection(of: dealer)
        let waiting = Thread.detachNewThreadResult {
            try dealer.receive(timeout: .seconds(20)) == [[7]] ? "ok" : "wrong message"
        }
        #expect(waitUntil { connection.loan!.isLent })
        // Drop the connection from the router's side (the dealer redials the same router).
        try router.onLoop { for link in Array(router.connections.values) { link.close(reason: "test") } }
        #expect(events.wait { if case .disconnected(_, .connectionLost) = $0 { true } else { false } })
        #expect(waitUntil { events.all.filter { if case .handshakeSucceeded = $0 { true } else { false } }.count >= 2 })
        // The dealer's handshake can end before the router's: wait for the router's side too.
        var ready: [UInt8]?
        #expect(waitUntil {
            ready = try? router.onLoop { router.lock.withLock { router.pipes.first { $0.isReady }?.routingID } }
            return ready != nil
        })
        let peer = try #require(ready)
        try router.onLoop { try router.send([peer, [7]], timeout: .zero) }
        #expect(waiting.wait(timeout: 20) == "ok")
    }

    /// Heartbeats both ways while a receive reads on its own thread: the reader answers the
    /// router's PINGs for longer than the router's heartbeat timeout, then the dealer's own PING
    /// timer takes the connection back for the loop, and neither side drops the connection.
    /// Timeouts of seconds: a loaded machine may stall a thread for a good fraction of one.
    @Test(arguments: Mechanism.allCases)
    func heartbeatsAnsweredWhileTheCallerReads(mechanism: Mechanism) throws {
        let events = EventLog()
        var routerOptions = SocketOptions()
        routerOptions.heartbeatInterval = .milliseconds(100)
        routerOptions.heartbeatTimeout = .seconds(2)
        routerOptions.onEvent = { events.append($0) }
        var dealerOptions = routerOptions
        dealerOptions.heartbeatInterval = .seconds(3)
        let (router, dealer) = try Self.echoPair(mechanism, router: routerOptions, dealer: dealerOptions)
        defer { dealer.close(); router.close() }
        let connection = try Self.connection(of: dealer)
        let loans = connection.loan!.loans
        try Self.sendUnanswered(dealer)
        let waiting = Self.receiveOnAnotherThread(dealer, timeout: .seconds(5))
        #expect(waitUntil { connection.loan!.isLent })
        #expect(waiting.wait(timeout: 20) == "timed out")
        #expect(!connection.loan!.isLent)
        #expect(connection.loan!.loans > loans)
        #expect(!events.all.contains { if case .disconnected = $0 { true } else { false } })
        try dealer.send([[5]], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(5)) == [[5]])
    }

    /// A REP whose receive reads its one peer's connection on its own thread, when a second
    /// peer connects and sends: the delivery on the other pipe recalls the loan, and the receive
    /// takes the new request (it polled only the first connection, and waited for ever).
    @Test(arguments: Mechanism.allCases)
    func aRequestFromANewPeerEndsACallerRead(mechanism: Mechanism) throws {
        var repOptions = SocketOptions(), reqOptions = SocketOptions()
        if mechanism == .curve {
            let server = CurveKeyPair.generate()
            repOptions.security = .curveServer(secretKey: server.secretKey)
            reqOptions.security = .curveClient(serverKey: server.publicKey, keyPair: .generate())
        }
        let rep = try ZMTPSocket(type: .rep, options: repOptions)
        defer { rep.close() }
        let endpoint = try rep.bind("tcp://127.0.0.1:0").description
        let first = try ZMTPSocket(type: .req, options: reqOptions)
        defer { first.close() }
        try first.connect(endpoint)
        try first.send([[1]], timeout: .seconds(10))
        #expect(try rep.receive(timeout: .seconds(10)) == [[1]])
        try rep.send([[1]], timeout: .seconds(10))
        #expect(try first.receive(timeout: .seconds(10)) == [[1]])
        let lent = try Self.connection(of: rep)
        let server = Thread.detachNewThreadResult {
            let request = try rep.receive(timeout: .seconds(20))
            try rep.send(request, timeout: .seconds(10))
            return "ok"
        }
        #expect(waitUntil { lent.loan!.isLent })
        let second = try ZMTPSocket(type: .req, options: reqOptions)
        defer { second.close() }
        try second.connect(endpoint)
        try second.send([[2]], timeout: .seconds(10))
        #expect(try second.receive(timeout: .seconds(10)) == [[2]])
        #expect(server.wait(timeout: 20) == "ok")
    }

    /// A handler installed while a receive reads on its own thread: the receive stops reading
    /// (a borrower that already read hands what it read to the loop), so every message sent
    /// from then on reaches the handler, and the receive times out.
    @Test func aHandlerInstalledDuringACallerReadGetsTheMessages() throws {
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        try dealer.connect(endpoint.description)
        try dealer.send([[0]], timeout: .seconds(10))
        let peer = try router.receive(timeout: .seconds(10))[0]
        let waiting = Thread.detachNewThreadResult {
            do {
                let message = try dealer.receive(timeout: .seconds(2))
                return "received \(message)"
            } catch SocketError.timedOut {
                return "timed out"
            }
        }
        #expect(waitUntil { dealer.lock.withLock { dealer.readingLender != nil } })
        let handled = Locked<[[[UInt8]]]>([])
        dealer.serve { _, message in handled.withLock { $0.append(message) } }
        for n: UInt8 in 1...3 { try router.send([peer, [n]], timeout: .seconds(5)) }
        #expect(waitUntil { handled.withLock { $0.count } == 3 })
        #expect(handled.withLock { $0 } == [[[1]], [[2]], [[3]]])
        #expect(waiting.wait(timeout: 10) == "timed out")
    }

    /// Whether a blocking send borrows follows the one rule of the receives: not once a handler
    /// serves, also on a connection made before `serve`. Seen with the dealer's loop held in a
    /// task: a borrowed send reaches the peer meanwhile, one left to the loop only after.
    @Test func noSendBorrowsOnceAHandlerServes() throws {
        let loop = try EventLoop(name: "loan-serve", busyPoll: .zero)
        defer { loop.shutdown() }
        let router = try ZMTPSocket(type: .router)
        defer { router.close() }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let dealer = try ZMTPSocket(type: .dealer, loop: loop)
        defer { dealer.close() }
        try dealer.connect(endpoint.description)
        try dealer.send([[0]], timeout: .seconds(10))
        let peer = try router.receive(timeout: .seconds(10))[0]
        try router.send([peer, [0]], timeout: .seconds(10))
        // Each send below follows a receive, as a round trip's request would.
        #expect(try dealer.receive(timeout: .seconds(10)) == [[0]])
        func whileTheLoopWaits(_ body: () throws -> Void) throws {
            let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
            loop.execute { entered.signal(); release.wait() }
            defer { release.signal() }
            #expect(entered.wait(timeout: .now() + 10) == .success)
            try body()
        }
        try whileTheLoopWaits {
            try dealer.send([[1]], timeout: .seconds(5))
            #expect(try router.receive(timeout: .seconds(10)).last == [1])
        }
        dealer.serve { _, _ in }
        #expect(throws: SocketError.wouldBlock) { try dealer.receive(timeout: .zero) }
        try whileTheLoopWaits {
            try dealer.send([[2]], timeout: .seconds(5))
            #expect(throws: SocketError.timedOut) { try router.receive(timeout: .milliseconds(300)) }
        }
        #expect(try router.receive(timeout: .seconds(10)).last == [2])
    }

    /// The guide's syncpub/syncsub sequence, repeated: subscribers come one after the other
    /// and stay; each one's SUB connects and completes its handshake, then its REQ connects and
    /// at once sends its ready signal and waits for the answer, while the REP answers in
    /// blocking calls on another thread (reading its one peer's connection whenever it has
    /// one, as the next peer comes).
    @Test func syncedSubscribersAllGetTheirAnswer() throws {
        let count = 4
        for _ in 0..<5 {
            let publisher = try ZMTPSocket(type: .pub)
            let sync = try ZMTPSocket(type: .rep)
            defer { publisher.close(); sync.close() }
            let updates = try publisher.bind("tcp://127.0.0.1:0").description
            let ready = try sync.bind("tcp://127.0.0.1:0").description
            let service = Thread.detachNewThreadResult {
                for _ in 0..<count {
                    _ = try sync.receive(timeout: .seconds(20))
                    try sync.send([[]], timeout: .seconds(10))
                }
                return "ok"
            }
            var subscribers: [ZMTPSocket] = []
            defer { for socket in subscribers { socket.close() } }
            for _ in 0..<count {
                let handshake = DispatchSemaphore(value: 0)
                var options = SocketOptions()
                options.onEvent = { if case .handshakeSucceeded = $0 { handshake.signal() } }
                let subscriber = try ZMTPSocket(type: .sub, options: options)
                let client = try ZMTPSocket(type: .req)
                subscribers += [subscriber, client]
                try subscriber.subscribe("")
                try subscriber.connect(updates)
                #expect(handshake.wait(timeout: .now() + 10) == .success)
                try client.connect(ready)
                try client.send([[]], timeout: .seconds(10))
                #expect(try client.receive(timeout: .seconds(10)) == [[]])
            }
            #expect(service.wait(timeout: 20) == "ok")
        }
    }
}
