import CoreMetrics
import Dispatch
import MC0Broker
import TestSupport
import Testing
import ZMTP

/// The ZMTP library's per-socket counters, seen through the backend mc0d bootstraps. The
/// backend is bootstrapped once for this test process; each socket here has its own
/// `metricsName`, so tests running beside it (whose sockets share the defaults) do not disturb
/// these series.
struct SocketMetricsTests {
    static let backend: PrometheusBackend = {
        let backend = PrometheusBackend(help: SocketMetrics.help)
        MetricsSystem.bootstrap(backend)
        return backend
    }()

    static func samples() -> Scrape {
        Scrape.parse(backend.metricsText())
    }

    @Test func socketsCountTrafficDropsConnectionsAndFailedHandshakes() throws {
        _ = Self.backend
        var routerOptions = SocketOptions()
        routerOptions.metricsName = "metrics-test-router"
        let router = try ZMTPSocket(type: .router, options: routerOptions)
        defer { router.close() }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        var dealerOptions = SocketOptions()
        dealerOptions.metricsName = "metrics-test-dealer"
        dealerOptions.identity = Array("d".utf8)
        let dealer = try ZMTPSocket(type: .dealer, options: dealerOptions)
        defer { dealer.close() }
        try dealer.connect(endpoint.description)

        for _ in 0..<3 { try dealer.send([Array("hello".utf8)], timeout: .seconds(10)) }
        for _ in 0..<3 { _ = try router.receive(timeout: .seconds(10)) }
        try router.send(to: Array("nobody".utf8), [Array("lost".utf8)])
        try router.send(to: Array("d".utf8), [Array("reply".utf8)])
        _ = try dealer.receive(timeout: .seconds(10))
        let garbage = try RawPeer(port: endpoint.port)
        garbage.write(Array(repeating: 0x41, count: 64))
        #expect(garbage.closedByPeer())

        let expected: [String: Double] = [
            #"zmtp_messages_received_total{socket="metrics-test-router"}"#: 3,
            #"zmtp_messages_sent_total{socket="metrics-test-dealer"}"#: 3,
            #"zmtp_messages_sent_total{socket="metrics-test-router"}"#: 1,
            #"zmtp_messages_received_total{socket="metrics-test-dealer"}"#: 1,
            #"zmtp_dropped_messages_total{socket="metrics-test-router",reason="unroutable"}"#: 1,
            #"zmtp_dropped_messages_total{socket="metrics-test-router",reason="high_water_mark"}"#: 0,
            #"zmtp_connections_total{socket="metrics-test-router"}"#: 1,
            #"zmtp_connections_total{socket="metrics-test-dealer"}"#: 1,
            #"zmtp_connections{socket="metrics-test-router"}"#: 1,
            #"zmtp_handshake_failures_total{socket="metrics-test-router",reason="bad_greeting"}"#: 1,
        ]
        // The counters are updated when each read or flush call ends: wait for the last ones.
        var samples = Self.samples()
        let settled = waitUntil(timeout: 10) {
            samples = Self.samples()
            return expected.allSatisfy { samples[$0.key] == $0.value }
        }
        #expect(settled, "\(samples.text)")
        for (series, value) in expected {
            #expect(samples[series] == value, "\(series)")
        }
        // Bytes include greetings and handshakes: more than the payloads.
        #expect((samples[#"zmtp_bytes_received_total{socket="metrics-test-router"}"#] ?? 0) > 15)
        #expect((samples[#"zmtp_bytes_sent_total{socket="metrics-test-dealer"}"#] ?? 0) > 15)
    }

    /// A ROUTER drops a message for a peer whose queue is at its high-water mark (router
    /// mandatory off, as libzmq). The router's own loop is held busy meanwhile, so nothing is
    /// written and the queue stays full whatever the timing.
    @Test func routerCountsDropsAtTheHighWaterMark() throws {
        _ = Self.backend
        let loop = try EventLoop(name: "metrics-hwm")
        defer { loop.shutdown() }
        var routerOptions = SocketOptions()
        routerOptions.metricsName = "metrics-test-hwm"
        routerOptions.sendHighWaterMark = 1
        let router = try ZMTPSocket(type: .router, options: routerOptions, loop: loop)
        defer { router.close() }
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        var dealerOptions = SocketOptions()
        dealerOptions.identity = Array("d".utf8)
        let dealer = try ZMTPSocket(type: .dealer, options: dealerOptions)
        defer { dealer.close() }
        try dealer.connect(endpoint.description)
        try dealer.send([Array("hello".utf8)], timeout: .seconds(10))
        _ = try router.receive(timeout: .seconds(10))  // the route to "d" is ready

        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        loop.execute {
            entered.signal()
            release.wait()
        }
        entered.wait()
        for n in 0..<3 { try router.send(to: Array("d".utf8), [Array("m\(n)".utf8)]) }
        release.signal()
        #expect(try dealer.receive(timeout: .seconds(10)) == [Array("m0".utf8)])

        let series = #"zmtp_dropped_messages_total{socket="metrics-test-hwm",reason="high_water_mark"}"#
        #expect(Self.samples()[series] == 2, "\(Self.samples().text)")
    }
}
