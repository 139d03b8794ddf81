import Foundation
import Synchronization
import Testing
import TestSupport
@testable import ZMTP

/// Dialers resolve host names on a resolver thread, never on the loop, and again at every
/// redial; numeric addresses need no lookup at all.
@Suite struct ResolverTests {
    /// Counts lookups and answers each with `answer`, after `gate` opens.
    final class FakeDNS: Sendable {
        let lookups = Atomic<Int>(0)
        let gate = DispatchSemaphore(value: 0)
        let answer: @Sendable () -> SocketAddress?
        let gated: Bool

        init(gated: Bool, answer: @escaping @Sendable () -> SocketAddress?) {
            self.gated = gated
            self.answer = answer
        }

        var resolver: HostResolver {
            HostResolver { [self] host, _ throws(EndpointError) in
                lookups.add(1, ordering: .relaxed)
                if gated { gate.wait() }
                guard let address = answer() else { throw .unresolvable(host: host, reason: "test: no such host") }
                return address
            }
        }
    }

    @Test func aBlockedLookupDoesNotStallTheLoop() throws {
        let loop = try EventLoop(name: "resolver-test")
        defer { loop.shutdown() }
        let router = try ZMTPSocket(type: .router, loop: loop)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let events = EventLog()
        var options = SocketOptions()
        options.onEvent = { events.append($0) }
        let dealer = try ZMTPSocket(type: .dealer, options: options, loop: loop)
        let dns = FakeDNS(gated: true) { SocketAddress.numeric(host: "127.0.0.1", port: endpoint.port) }
        dealer.resolver = dns.resolver
        defer { dealer.close(); router.close() }

        try dealer.connect("tcp://broker.test:\(endpoint.port)")
        #expect(waitUntil { dns.lookups.load(ordering: .relaxed) == 1 }, "the dialer never asked for the name")
        // The lookup is stuck; the loop still serves a round trip between two other sockets.
        let other = try ZMTPSocket(type: .dealer, loop: loop)
        defer { other.close() }
        try other.connect(endpoint.description)
        let probe = Thread.detachNewThreadResult {
            try other.send([Array("ping".utf8)], timeout: .seconds(5))
            let got = try router.receive(timeout: .seconds(5))
            return String(decoding: got[1], as: UTF8.self)
        }
        #expect(probe.wait(timeout: 10) == "ping")
        // Once the name resolves, the dialer connects.
        dns.gate.signal()
        #expect(events.wait { if case .handshakeSucceeded = $0 { true } else { false } })
    }

    @Test func numericAddressesAreNotLookedUp() throws {
        let router = try ZMTPSocket(type: .router)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let events = EventLog()
        var options = SocketOptions()
        options.onEvent = { events.append($0) }
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        let dns = FakeDNS(gated: false) { nil }
        dealer.resolver = dns.resolver
        defer { dealer.close(); router.close() }
        try dealer.connect(endpoint.description)
        #expect(events.wait { if case .handshakeSucceeded = $0 { true } else { false } })
        #expect(dns.lookups.load(ordering: .relaxed) == 0)
        #expect(SocketAddress.numeric(host: "::1", port: 5)?.text == "[::1]:5")
        #expect(SocketAddress.numeric(host: "localhost", port: 5) == nil)
    }

    /// As libzmq: the name is looked up again at each redial, so an address that moved is followed.
    @Test func everyRedialLooksTheNameUpAgain() throws {
        var options = SocketOptions()
        options.reconnectInterval = .milliseconds(10)
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        let dns = FakeDNS(gated: false) { nil }
        dealer.resolver = dns.resolver
        defer { dealer.close() }
        try dealer.connect("tcp://gone.test:5555")
        #expect(waitUntil { dns.lookups.load(ordering: .relaxed) >= 3 })
    }
}
