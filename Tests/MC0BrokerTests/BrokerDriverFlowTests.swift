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
    /// replies (it holds up nobody else, so it is not disconnected); everyone else is served
    /// meanwhile, and reading at last it finds an OK for every NOOP.
    @Test func aClientThatNeverReadsItsAcksPausesItselfAndLosesNoAck() throws {
        var config = BrokerConfig()
        config.maxQueuedPerClient = 100
        config.slowConsumerTimeout = 100_000_000
        let driver = try BrokerDriver(bind: "tcp://127.0.0.1:0", security: .null, config: config, logger: D.logger)
        defer { driver.stop() }
        let flooder = try D.client(driver, receiveHighWaterMark: 1)
        defer { flooder.close() }
        let bystander = try D.client(driver)
        defer { bystander.close() }

        // Its sends block once the broker stops reading it and the buffers between are full
        // (the kernel's hold megabytes of OKs first: a generous bound for a loaded machine).
        var sent = 0
        var sawPaused = false
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if (try? flooder.send(D.frames("", "NOOP", "ID", "\(sent)"), timeout: .milliseconds(200))) != nil {
                sent += 1
            } else if driver.stats()?.paused == 1 {
                sawPaused = true
                break
            }
        }
        #expect(sawPaused)
        try D.request(bystander, D.frames("", "NOOP", "ID", "alive"), ack: "alive")
        for n in 0..<sent { #expect(try flooder.receive(timeout: .seconds(10)) == D.frames("", "OK", "ID", "\(n)")) }
        let stats = try #require(driver.stats())
        #expect(stats.slowConsumers == 0 && stats.clients == 2)
    }

    /// A client that publishes large messages to a topic it subscribes to, faster than it reads,
    /// with a small owed bound: the broker pauses it on its own full queue, and the client,
    /// reading all along, drains it. Its own queued sends (below its high-water mark, however
    /// many bytes) do not count as owed to the broker.
    @Test func aSelfSubscribedPublisherOfLargeMessagesNeverDeadlocks() throws {
        var config = BrokerConfig()
        config.maxQueuedPerClient = 10
        let driver = try BrokerDriver(bind: "tcp://127.0.0.1:0", security: .null, config: config, logger: D.logger)
        defer { driver.stop() }
        var options = SocketOptions()
        options.linger = .zero
        options.maxOwedBytes = 1 << 20
        let client = try ZMTPSocket(type: .dealer, options: options)
        defer { client.close() }
        try client.connect(driver.endpoint.description)
        try D.request(client, D.frames("", "CONNECT", "ID", "c"), ack: "c")
        try D.request(client, D.frames("", "SUB", "ID", "s", "", "fan"), ack: "s")

        let count = 300, size = 64 << 10
        let reader = Thread.detachNewThreadResult {
            for n in 0..<count {
                let message = try client.receive(timeout: .seconds(20))
                guard message.count == 6, message.last?.count == size,
                      message.last?.starts(with: Array("\(n).".utf8)) == true else { return "message \(n) missing or out of order" }
            }
            return "ok"
        }
        for n in 0..<count { try client.send(D.put(n, size: size), timeout: .seconds(20)) }
        #expect(reader.wait(timeout: 60) == "ok")
        #expect(driver.stats()?.slowConsumers == 0)
    }
}
