import NATSClient
import NATSWire
import Synchronization
import TestSupport
import ZMTP

/// A NATSConnection on its own loop, with what it received and reported recorded for tests.
final class NATSTestClient: @unchecked Sendable {
    let loop: EventLoop
    private var connection: NATSConnection!
    private let received = Mutex<[NATSMessage]>([])
    private let events = Mutex<[NATSEvent]>([])

    init(_ urls: String, configure: (inout NATSClientOptions) -> Void = { _ in }) throws {
        loop = try EventLoop(name: "nats-test")
        var options = NATSClientOptions(servers: try NATSServerURL.parseList(urls))
        options.pingInterval = .milliseconds(200)
        options.reconnectDelayMin = .milliseconds(20)
        options.reconnectDelayMax = .milliseconds(200)
        configure(&options)
        let made = options
        connection = try loop.submit { [self] in
            let connection = NATSConnection(options: made, loop: loop, onMessage: { [self] message in
                received.withLock { $0.append(message) }
            }, onEvent: { [self] event in events.withLock { $0.append(event) } })
            connection.start()
            return UncheckedBox(connection)
        }.value
    }

    deinit {
        let connection = UncheckedBox(connection!)
        try? loop.submit { connection.value.close() }
        loop.shutdown()
    }

    var messages: [NATSMessage] { received.withLock { $0 } }
    var allEvents: [NATSEvent] { events.withLock { $0 } }
    var connectedCount: Int { allEvents.filter { if case .connected = $0 { true } else { false } }.count }

    func stats() throws -> NATSClientStats {
        let connection = UncheckedBox(connection!)
        return try loop.submit { connection.value.stats }
    }

    func subscribe(_ subject: String) throws -> UInt64 {
        let connection = UncheckedBox(connection!)
        return try loop.submit { try connection.value.subscribe(subject) }
    }

    func publish(_ subject: String, _ payloads: [[UInt8]]) throws {
        let connection = UncheckedBox(connection!)
        try loop.submit { for payload in payloads { connection.value.publish(subject: subject, payload: payload) } }
    }

    func waitConnected(_ count: Int = 1, timeout: Double = 10) -> Bool {
        waitUntil(timeout: timeout) { connectedCount >= count }
    }
}

/// Carries a loop-confined value across the submit boundary.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
