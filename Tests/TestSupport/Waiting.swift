import Foundation
import ZMTP

/// Collects socket events from the loop thread; tests wait on them with a bound.
public final class EventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [SocketEvent] = []
    public init() {}

    public func append(_ e: SocketEvent) {
        condition.lock()
        events.append(e)
        condition.broadcast()
        condition.unlock()
    }

    public var all: [SocketEvent] {
        condition.lock()
        defer { condition.unlock() }
        return events
    }

    /// Waits until an event matching `predicate` was recorded, or `timeout` seconds passed.
    public func wait(timeout: Double = 10, _ predicate: (SocketEvent) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !events.contains(where: predicate) {
            if !condition.wait(until: deadline) { return events.contains(where: predicate) }
        }
        return true
    }
}

extension Thread {
    /// Runs `body` on a new thread; the handle waits for its result with a bound.
    public static func detachNewThreadResult(_ body: @escaping @Sendable () throws -> String) -> ThreadResult {
        let result = ThreadResult()
        Thread.detachNewThread {
            let value: String
            do { value = try body() } catch { value = "error: \(error)" }
            result.set(value)
        }
        return result
    }
}

public final class ThreadResult: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: String?
    func set(_ v: String) { value = v; done.signal() }
    public func wait(timeout: Double) -> String? {
        done.wait(timeout: .now() + timeout) == .success ? value : "timed out"
    }
}

/// Polls `condition` until it holds or `timeout` seconds passed; returns whether it held.
public func waitUntil(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() >= deadline { return false }
        usleep(1_000)
    }
    return true
}

/// `waitUntil` for async tests: polls without holding one of the few cooperative threads.
public func waitUntil(timeout: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return true
}

/// The outcome of `task`, or nil when it did not finish within `timeout` (the task is left
/// running): a bounded wait for an async call that might hang.
public func outcome<T: Sendable>(of task: Task<T, Error>, within timeout: Duration) async -> Result<T, Error>? {
    let once = OnceFlag()
    return await withCheckedContinuation { (c: CheckedContinuation<Result<T, Error>?, Never>) in
        Task {
            let result = await task.result
            if once.claim() { c.resume(returning: result) }
        }
        Task {
            try? await Task.sleep(for: timeout)
            if once.claim() { c.resume(returning: nil) }
        }
    }
}

/// True for the first caller only.
private final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}
