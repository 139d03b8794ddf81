import Foundation
import Logging
import MC0Broker
import TestSupport
import Testing
import ZMTP

/// BrokerDriver in-process with Swift DEALER clients (on the shared loop; the driver runs its
/// own): fan-out without loss, and the slow-subscriber bound.
@Suite(.serialized) struct BrokerEndToEndDriverTests {
    /// Warnings and above only: the core logs every CONNECT at info.
    static let logger: Logger = {
        var logger = Logger(label: "mc0d-test")
        logger.logLevel = .warning
        return logger
    }()

    static func frames(_ texts: String...) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    /// A DEALER that has CONNECTed (and SUBscribed), each acknowledged.
    static func client(_ driver: BrokerDriver, topics: [String] = [], receiveHighWaterMark: Int = 1000) throws -> ZMTPSocket {
        var options = SocketOptions()
        options.receiveHighWaterMark = receiveHighWaterMark
        options.linger = .zero
        if let key = driver.security.publicKey {
            options.security = .curveClient(serverKey: key, keyPair: .generate())
        }
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        try dealer.connect(driver.endpoint.description)
        try request(dealer, frames("", "CONNECT", "VERSION", "0.3", "TTL", "60000", "ID", "c"), ack: "c")
        if !topics.isEmpty {
            try request(dealer, frames("", "SUB", "ID", "s", "") + topics.map { Array($0.utf8) }, ack: "s")
        }
        return dealer
    }

    static func request(_ dealer: ZMTPSocket, _ message: [[UInt8]], ack: String) throws {
        try dealer.send(message, timeout: .seconds(10))
        let reply = try dealer.receive(timeout: .seconds(10))
        guard reply == frames("", "OK", "ID", ack) else { throw Unexpected.reply(reply.map { String(decoding: $0, as: UTF8.self) }) }
    }

    enum Unexpected: Error { case reply([String]) }

    /// Polls `condition` every few milliseconds until it holds or `timeout` seconds passed.
    static func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return true
    }

    static func put(_ n: Int, size: Int = 0, id: String? = nil) -> [[UInt8]] {
        var body = Array("\(n)".utf8)
        body += repeatElement(UInt8(ascii: "."), count: max(0, size - body.count))
        return frames("", "PUT", "TOPIC", "fan") + (id.map { frames("ID", $0) } ?? []) + [[], body]
    }

    @Test func fanOutToAHundredSubscribersLosesNothing() throws {
        let driver = try BrokerDriver(bind: "tcp://127.0.0.1:0", security: .null, logger: Self.logger)
        defer { driver.stop() }
        let subscribers = try (0..<100).map { _ in try Self.client(driver, topics: ["fan"]) }
        defer { subscribers.forEach { $0.close() } }
        let publisher = try Self.client(driver)
        defer { publisher.close() }

        let count = 200
        for n in 0..<count - 1 { try publisher.send(Self.put(n), timeout: .seconds(10)) }
        try Self.request(publisher, Self.put(count - 1, id: "last"), ack: "last")
        for subscriber in subscribers {
            for n in 0..<count {
                let message = try subscriber.receive(timeout: .seconds(10))
                #expect(message == Self.frames("", "MESSAGE", "TOPIC", "fan", "", "\(n)"))
            }
        }
        let stats = try #require(driver.stats())
        #expect(stats.paused == 0 && stats.slowConsumers == 0 && driver.sendFailures == 0)
        #expect(stats.clients == 101 && stats.topics == 1)
        #expect(stats.messagesOut == UInt64(101 + 100 + 100 * count + 1))
    }

    /// A subscriber that stops reading pauses the publisher instead of losing messages; past
    /// the slow-consumer timeout it gets an ERROR and is disconnected, and the publisher and
    /// the other subscriber go on without a gap.
    @Test func slowConsumerIsDisconnectedAndNobodyElseLosesAnything() throws {
        var config = BrokerConfig()
        config.maxQueuedPerClient = 100
        config.slowConsumerTimeout = 300_000_000
        let driver = try BrokerDriver(bind: "tcp://127.0.0.1:0", security: .curve(secretKey: CurveKeyPair.generate().secretKey, authorizer: nil), config: config, logger: Self.logger)
        defer { driver.stop() }
        // Takes one message into its queue, then stops reading: its TCP buffers and then its
        // broker queue fill up.
        let slow = try Self.client(driver, topics: ["fan"], receiveHighWaterMark: 1)
        defer { slow.close() }
        let fast = try Self.client(driver, topics: ["fan"])
        defer { fast.close() }
        let publisher = try Self.client(driver)
        defer { publisher.close() }

        let count = 1000, size = 16 << 10
        let reader = Thread.detachNewThreadResult {
            for n in 0..<count {
                let message = try fast.receive(timeout: .seconds(30))
                guard message.count == 6, message.last?.count == size,
                      message.last.map({ String(decoding: $0.prefix(while: { $0 != UInt8(ascii: ".") }), as: UTF8.self) }) == "\(n)" else {
                    return "message \(n) missing or out of order"
                }
            }
            return "ok"
        }
        let writer = Thread.detachNewThreadResult {
            for n in 0..<count { try Self.request(publisher, Self.put(n, size: size, id: "\(n)"), ack: "\(n)") }
            return "ok"
        }
        let evicted = Self.waitUntil(timeout: 30) { (driver.stats()?.slowConsumers ?? 0) == 1 }
        #expect(evicted)
        // What the slow one was sent ends with one ERROR that says why.
        var last: [[UInt8]] = []
        while let message = try? slow.receive(timeout: .seconds(5)) {
            last = message
            if message.count > 1 && message[1] == Array("ERROR".utf8) { break }
        }
        #expect(last.count > 3 && String(decoding: last[3], as: UTF8.self).hasPrefix("slow consumer:"))
        #expect(writer.wait(timeout: 60) == "ok")
        #expect(reader.wait(timeout: 60) == "ok")
        let stats = try #require(driver.stats())
        #expect(stats.slowConsumers == 1 && stats.paused == 0 && stats.clients == 2)
        // The broker is still responsive to everyone.
        try Self.request(publisher, Self.frames("", "NOOP", "ID", "alive"), ack: "alive")
    }
}
