import Foundation
import Logging
import MC0Broker
import TestSupport
import Testing
import ZMTP

/// Flow control through the real driver and sockets (our DEALERs; the stock-libzmq versions of
/// these are the issue-11 acceptance tests).
@Suite(.serialized) struct BrokerDriverFlowTests {
    typealias D = BrokerEndToEndDriverTests

    /// One publisher that never waits, ten subscribers reading as fast as they can: every
    /// subscriber gets every message, in order.
    @Test func unpacedFanOutLosesNothing() throws {
        let driver = try BrokerDriver(bind: "tcp://127.0.0.1:0", security: .null, logger: D.logger)
        defer { driver.stop() }
        let subscribers = try (0..<10).map { _ in try D.client(driver, topics: ["fan"]) }
        defer { subscribers.forEach { $0.close() } }
        let publisher = try D.client(driver)
        defer { publisher.close() }

        let count = 5000
        let readers = subscribers.map { subscriber in
            Thread.detachNewThreadResult {
                for n in 0..<count {
                    let message = try subscriber.receive(timeout: .seconds(30))
                    guard message.last == Array("\(n)".utf8) else { return "message \(n) missing or out of order" }
                }
                return "ok"
            }
        }
        for n in 0..<count { try publisher.send(D.put(n), timeout: .seconds(30)) }
        for reader in readers { #expect(reader.wait(timeout: 60) == "ok") }
        let stats = try #require(driver.stats())
        #expect(stats.slowConsumers == 0 && stats.paused == 0 && driver.sendFailures == 0)
        #expect(stats.messagesOut == UInt64(11 + 10 + 10 * count))
    }

    /// mc0torture's clients: CONNECT with only an ID, then acknowledged NOOPs.
    @Test func originalStyleClientsAreServed() throws {
        let driver = try BrokerDriver(bind: "tcp://127.0.0.1:0", security: .null, logger: D.logger)
        defer { driver.stop() }
        let results = (0..<20).map { index in
            Thread.detachNewThreadResult {
                var options = SocketOptions()
                options.identity = Array("chattyClient \(index)".utf8)
                options.linger = .zero
                let dealer = try ZMTPSocket(type: .dealer, options: options)
                defer { dealer.close() }
                try dealer.connect(driver.endpoint.description)
                try D.request(dealer, D.frames("", "CONNECT", "ID", "chattyClient \(index)"), ack: "chattyClient \(index)")
                for n in 0..<200 { try D.request(dealer, D.frames("", "NOOP", "ID", "\(index) \(n)"), ack: "\(index) \(n)") }
                try dealer.send(D.frames("", "DISCONNECT"), timeout: .seconds(5))
                return "ok"
            }
        }
        for result in results { #expect(result.wait(timeout: 60) == "ok") }
        let stats = try #require(driver.stats())
        #expect(stats.errors == 0 && stats.evictions == 0)
    }

    /// A client that sends acknowledged NOOPs and never reads the OKs is paused by its own
    /// replies, then disconnected as a slow consumer; everyone else is served meanwhile.
    @Test func aClientThatNeverReadsItsAcksPausesItselfAndIsDisconnected() throws {
        var config = BrokerConfig()
        config.maxQueuedPerClient = 100
        config.slowConsumerTimeout = 300_000_000
        let driver = try BrokerDriver(bind: "tcp://127.0.0.1:0", security: .null, config: config, logger: D.logger)
        defer { driver.stop() }
        let flooder = try D.client(driver, receiveHighWaterMark: 1)
        defer { flooder.close() }
        let bystander = try D.client(driver)
        defer { bystander.close() }

        let writer = Thread.detachNewThreadResult {
            var n = 0
            // Its own sends block once the broker stops reading it; the broker then closes it.
            while (try? flooder.send(D.frames("", "NOOP", "ID", "\(n)"), timeout: .seconds(2))) != nil { n += 1 }
            return "sent \(n)"
        }
        #expect(D.waitUntil(timeout: 30) { (driver.stats()?.slowConsumers ?? 0) == 1 })
        try D.request(bystander, D.frames("", "NOOP", "ID", "alive"), ack: "alive")
        let stats = try #require(driver.stats())
        #expect(stats.paused == 0 && stats.clients == 1)
        _ = writer.wait(timeout: 30)
    }
}
