import Foundation
import MC0Connector
import Synchronization
import TestSupport
import ZMTP

/// Fixtures/fake_broker.py as a child process (see its docstring for flags and commands).
func startFakeBroker(_ arguments: [String] = []) throws -> (ChildProcess, port: Int) {
    let broker = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                  ["python3", "-u", Repository.fixtures.appendingPathComponent("fake_broker.py").path] + arguments)
    let endpoint = try broker.endpoint()
    guard let port = Int(endpoint.split(separator: ":").last ?? "") else { throw ChildProcess.ChildProcessError.noEndpoint([endpoint]) }
    return (broker, port)
}

/// A NULL-security config for a local test broker, with short timeouts.
func testConfig(port: Int, identity: String = "node1", heartbeat: Duration = .milliseconds(500)) -> ConnectorConfig {
    var config = ConnectorConfig(host: "127.0.0.1")
    config.port = port
    config.curve = false
    config.identity = identity
    config.heartbeat = heartbeat
    config.connectTimeout = .seconds(5)
    config.ackTimeout = .seconds(10)
    return config
}

/// Reads a connector's messages in the background; tests wait for them with a bound.
final class Collector: Sendable {
    private let received = Locked<[MC0Delivery]>([])
    private let task: Task<Void, Never>

    init(_ connector: MC0Connector) {
        let received = self.received
        task = Task { for await m in connector.messages { received.mutex.withLock { $0.append(m) } } }
    }

    var all: [MC0Delivery] { received.mutex.withLock { $0 } }

    /// Forgets what arrived so far.
    func clear() { received.mutex.withLock { $0 = [] } }

    /// Waits until `count` messages arrived (or `timeout` seconds passed); returns them all.
    func wait(count: Int, timeout: Double = 10) async -> [MC0Delivery] {
        let deadline = Date().addingTimeInterval(timeout)
        while all.count < count, Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return all
    }

    deinit { task.cancel() }
}

/// Connector events, collected for assertions.
final class EventRecorder: Sendable {
    /// Each event with the instant the connector reported it (on its loop thread), so that a
    /// test can time an event without the delay of its own polling wait.
    private let events = Locked<[(event: MC0ConnectorEvent, at: ContinuousClock.Instant)]>([])
    var handler: @Sendable (MC0ConnectorEvent) -> Void {
        { [events] e in
            let now = ContinuousClock.now
            events.mutex.withLock { $0.append((e, now)) }
        }
    }
    var all: [MC0ConnectorEvent] { events.mutex.withLock { $0.map(\.event) } }

    /// When the first event matching `predicate` was reported.
    func instant(of predicate: (MC0ConnectorEvent) -> Bool) -> ContinuousClock.Instant? {
        events.mutex.withLock { $0.first { predicate($0.event) }?.at }
    }

    func wait(timeout: Double = 10, _ predicate: @escaping (MC0ConnectorEvent) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !all.contains(where: predicate) {
            if Date() >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}

/// A Mutex that closures can capture.
final class Locked<T: Sendable>: Sendable {
    let mutex: Mutex<T>
    init(_ value: T) { mutex = Mutex(value) }
}

/// A temporary directory removed by the caller.
func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mc0-connector-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// A product of the same build as the tests (`swift build --build-tests` builds them too).
/// Runs a built product to completion (killed after `timeout` seconds); returns its exit
/// status and its stdout and stderr together.
func runProduct(_ name: String, _ arguments: [String], timeout: Double = 60) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = Repository.builtProduct(name)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = Locked(Data())
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        output.mutex.withLock { $0 = data }
        done.signal()
    }
    if done.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        _ = done.wait(timeout: .now() + 5)
    }
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output.mutex.withLock { $0 }, as: UTF8.self))
}
