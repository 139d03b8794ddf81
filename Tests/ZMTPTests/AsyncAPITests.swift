import Foundation
import Synchronization
import Testing
import TestSupport
@testable import ZMTP

/// The async API: timeouts, prompt cancellation, `messages`, and the races between a
/// message, cancellation, the timeout and close. Correctness waits are bounded at 120 s, as
/// blocking suites alongside can hold both cooperative threads for long.
@Suite struct AsyncAPITests {
    static let bound = Duration.seconds(120)

    /// A ROUTER and a DEALER with routing id "d", connected, the router knowing the dealer.
    static func pair() async throws -> (router: ZMTPSocket, dealer: ZMTPSocket) {
        let router = try ZMTPSocket(type: .router)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        var options = SocketOptions()
        options.identity = Array("d".utf8)
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        try dealer.connect(endpoint.description)
        try await dealer.send([[]], timeout: bound)
        _ = try await router.receive(timeout: bound)
        return (router, dealer)
    }

    static func failure<T>(_ result: Result<T, Error>?) -> Error? {
        if case .failure(let error) = result { return error }
        return nil
    }

    // MARK: Timeouts

    @Test func receiveAndSendTimeOut() async throws {
        let dealer = try ZMTPSocket(type: .dealer)  // no peer: nothing comes, nothing can go
        defer { dealer.close() }
        await #expect(throws: SocketError.wouldBlock) { try await dealer.receive(timeout: .zero) }
        await #expect(throws: SocketError.wouldBlock) { try await dealer.send([[1]], timeout: .zero) }
        await #expect(throws: SocketError.timedOut) { try await dealer.receive(timeout: .milliseconds(20)) }
        await #expect(throws: SocketError.timedOut) { try await dealer.send([[1]], timeout: .milliseconds(20)) }
        #expect(dealer.lock.withLock { dealer.asyncReceivers.count + dealer.asyncSenders.count } == 0,
                "timed-out calls leave no waiter behind")
    }

    @Test func aMessageBeforeTheTimeoutIsReceived() async throws {
        let (router, dealer) = try await Self.pair()
        defer { dealer.close(); router.close() }
        let task = Task { try await dealer.receive(timeout: Self.bound) }
        #expect(await waitUntil(timeout: 120) { dealer.lock.withLock { dealer.asyncReceivers.count == 1 } })
        try await router.send([Array("d".utf8), [7]])
        #expect(try await outcome(of: task, within: Self.bound)?.get() == [[7]])
    }

    // MARK: Cancellation

    /// Cancellation latency, from `cancel()` to the cancelled call having thrown inside its
    /// Task, on a Task running on its own thread: the figure is then the socket's, not the
    /// wait for a cooperative thread (blocking suites alongside may hold both for seconds).
    /// The median of 11 trials must be under 10 ms, so one trial the OS scheduler delays does
    /// not fail the test while a slow path in the socket would.
    static func medianCancellationLatency(_ call: @escaping @Sendable () async throws -> Void,
                                          waiting: @escaping () -> Int) async throws -> UInt64 {
        let executor = ThreadExecutor()
        defer { executor.stop() }
        var latencies: [UInt64] = []
        for _ in 0..<11 {
            let task = Task(executorPreference: executor) { () -> UInt64 in
                do {
                    try await call()
                    return 0
                } catch is CancellationError {
                    return monotonicNow()
                }
            }
            #expect(await waitUntil(timeout: 120) { waiting() == 1 }, "the call never waited")
            let start = monotonicNow()
            task.cancel()
            let end = try #require(try await outcome(of: task, within: bound)?.get())
            #expect(end > 0, "a cancelled call throws CancellationError")
            latencies.append(end &- start)
            #expect(await waitUntil(timeout: 120) { waiting() == 0 }, "the cancelled call left its waiter behind")
        }
        return latencies.sorted()[latencies.count / 2]
    }

    @Test func cancelledReceiveReturnsWithinTenMilliseconds() async throws {
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        let median = try await Self.medianCancellationLatency({ _ = try await dealer.receive() },
                                                              waiting: { dealer.lock.withLock { dealer.asyncReceivers.count } })
        #expect(median < 10_000_000, "median cancellation latency \(median) ns")
        print("cancelled receive: median latency over 11 trials \(median / 1000) µs")
    }

    @Test func cancelledSendReturnsWithinTenMilliseconds() async throws {
        let dealer = try ZMTPSocket(type: .dealer)  // no peer: a send waits for one
        defer { dealer.close() }
        let median = try await Self.medianCancellationLatency({ try await dealer.send([[1]]) },
                                                              waiting: { dealer.lock.withLock { dealer.asyncSenders.count } })
        #expect(median < 10_000_000, "median cancellation latency \(median) ns")
        print("cancelled send: median latency over 11 trials \(median / 1000) µs")
    }

    @Test func aCancelledTaskDoesNotStartACall() async throws {
        let (router, dealer) = try await Self.pair()
        defer { dealer.close(); router.close() }
        try await router.send([Array("d".utf8), [1]])
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await dealer.receive()
        }
        #expect(Self.failure(await outcome(of: task, within: Self.bound)) is CancellationError)
        #expect(try await dealer.receive(timeout: Self.bound) == [[1]], "the message was left for the next call")
    }

    // MARK: messages

    @Test func messagesEndOnClose() async throws {
        let (router, dealer) = try await Self.pair()
        defer { router.close() }
        let reader = Task {
            var got: [[[UInt8]]] = []
            for try await message in dealer.messages { got.append(message) }
            return got
        }
        for i: UInt8 in 0..<3 { try await router.send([Array("d".utf8), [i]]) }
        #expect(await waitUntil(timeout: 120) { dealer.lock.withLock { dealer.asyncReceivers.count == 1 && dealer.readable.isEmpty } })
        dealer.close()
        #expect(try await outcome(of: reader, within: Self.bound)?.get() == [[[0]], [[1]], [[2]]])
    }

    @Test func messagesThrowsCancellationError() async throws {
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        let reader = Task { for try await _ in dealer.messages {} }
        #expect(await waitUntil(timeout: 120) { dealer.lock.withLock { dealer.asyncReceivers.count == 1 } })
        reader.cancel()
        #expect(Self.failure(await outcome(of: reader, within: Self.bound)) is CancellationError)
    }

    // MARK: Races

    /// Each round, a receive (starting, or already waiting) races its cancellation (before,
    /// after or while the message is sent), or a short timeout, against the message's arrival. Whatever wins, each message is
    /// received exactly once and in order: a call that lost leaves it for the next. A
    /// continuation resumed twice would trap, one never resumed would hang the bounded wait.
    @Test func cancellationTimeoutAndArrivalRaceWithoutLossOrDoubleResume() async throws {
        let (router, dealer) = try await Self.pair()
        defer { dealer.close(); router.close() }
        let rounds = 400
        var received: [UInt16] = []
        var outcomes = [String: Int]()
        for i in 0..<rounds {
            let timeout: Duration? = i % 4 == 3 ? .microseconds(50 + Int64(i % 7) * 100) : nil
            if timeout != nil {
                // Take what earlier rounds left, so the timed call waits and its timer races
                // the arrival.
                while received.count < i { received.append(Self.number(try await dealer.receive(timeout: Self.bound))) }
            }
            let ended = Atomic<Bool>(false)
            let task = Task {
                defer { ended.store(true, ordering: .releasing) }
                return try await dealer.receive(timeout: timeout)
            }
            if i / 4 % 2 == 1 {  // every other round races a waiting call, not one starting
                #expect(await waitUntil(timeout: 120) {
                    dealer.lock.withLock { dealer.asyncReceivers.count == 1 } || ended.load(ordering: .acquiring)
                })
            }
            let message = [Array("d".utf8), withUnsafeBytes(of: UInt16(i).bigEndian) { Array($0) }]
            switch i % 4 {
            case 0:
                task.cancel()
                try await router.send(message)
            case 1:
                try await router.send(message)
                task.cancel()
            case 2:
                async let cancelled: Void = task.cancel()
                async let sent: Void = router.send(message)
                _ = try await (cancelled, sent)
            default:
                try await router.send(message)
            }
            let result = try #require(await outcome(of: task, within: Self.bound), "round \(i) hung")
            switch result {
            case .success(let frames):
                received.append(Self.number(frames))
                outcomes["received", default: 0] += 1
            case .failure(let error as SocketError) where error == .timedOut:
                outcomes["timed out", default: 0] += 1
            case .failure(let error):
                #expect(error is CancellationError, "round \(i): \(error)")
                outcomes["cancelled", default: 0] += 1
            }
        }
        while received.count < rounds {
            received.append(Self.number(try await dealer.receive(timeout: Self.bound)))
        }
        #expect(received == (0..<rounds).map(UInt16.init), "every message once, in order")
        #expect(dealer.lock.withLock { dealer.asyncReceivers.count } == 0)
        await #expect(throws: SocketError.wouldBlock, "nothing else is queued") { try await dealer.receive(timeout: .zero) }
        print("race outcomes: \(outcomes.sorted { $0.key < $1.key })")
    }

    static func number(_ frames: [[UInt8]]) -> UInt16 { UInt16(frames[0][0]) << 8 | UInt16(frames[0][1]) }

    /// Close races cancellation and the timeout: every call ends, with one of the three.
    @Test func closeRacesCancellationAndTimeout() async throws {
        for i in 0..<100 {
            let dealer = try ZMTPSocket(type: .dealer)
            let receive = Task { try await dealer.receive(timeout: .microseconds(Int64(i % 5) * 200 + 1)) }
            let send = Task { try await dealer.send([[1]], timeout: .microseconds(Int64(i % 3) * 300 + 1)) }
            if i % 2 == 0 { receive.cancel() } else { send.cancel() }
            dealer.close()
            for task in [receive.map(), send.map()] {
                guard let result = await outcome(of: task, within: Self.bound) else {
                    Issue.record("round \(i) hung")
                    continue
                }
                let error = Self.failure(result)
                #expect(error is CancellationError || error as? SocketError == .closed || error as? SocketError == .timedOut,
                        "round \(i): \(String(describing: error))")
            }
        }
    }
}

extension Task where Failure == Error {
    /// The same outcome, with the value dropped (so tasks of different types share a list).
    func map() -> Task<Void, Error> { Task<Void, Error> { _ = try await value } }
}

/// A `TaskExecutor` with one thread of its own.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init() {
        Thread.detachNewThread { [self] in run() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
