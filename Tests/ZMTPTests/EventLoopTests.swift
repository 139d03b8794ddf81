import Dispatch
import Glibc
import Synchronization
import Testing
@testable import ZMTP

/// Collects values from any thread.
private final class Log<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func append(_ item: T) { items.withLock { $0.append(item) } }
    var values: [T] { items.withLock { $0 } }
}

/// An IOHandler that forwards readiness to a closure.
private final class Handler: IOHandler, Sendable {
    let body: @Sendable (Bool, Bool) -> Void
    init(_ body: @escaping @Sendable (Bool, Bool) -> Void) { self.body = body }
    func ioReady(readable: Bool, writable: Bool) { body(readable, writable) }
}

private func waitFor(_ semaphore: DispatchSemaphore, seconds: Double = 5) -> Bool {
    semaphore.wait(timeout: .now() + seconds) == .success
}

private func makeSocketPair() throws -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
        throw SystemError(operation: "socketpair", errno: Errno(rawValue: errno))
    }
    return (fds[0], fds[1])
}

private func send(_ fd: Int32, _ text: String) throws {
    let bytes = Array(text.utf8)
    _ = try bytes.withUnsafeBytes { try TCP.write(fd, $0) }
}

@Suite struct EventLoopTests {
    @Test func timersFireInDeadlineOrderAndCancelledOnesDoNot() throws {
        let loop = try EventLoop(name: "timers")
        defer { loop.shutdown() }
        let fired = Log<String>()
        let done = DispatchSemaphore(value: 0)
        try loop.submit {
            let ms: UInt64 = 1_000_000
            loop.schedule(after: 30 * ms) { fired.append("30ms"); done.signal() }
            loop.schedule(after: 10 * ms) { fired.append("10ms") }
            let cancelled = loop.schedule(after: 5 * ms) { fired.append("cancelled") }
            loop.schedule(after: 20 * ms) { fired.append("20ms-a") }
            loop.schedule(after: 20 * ms) { fired.append("20ms-b") }
            let start = loop.now
            loop.schedule(at: start) { fired.append("due") }
            loop.cancel(cancelled)
            loop.cancel(cancelled)   // twice is harmless
        }
        #expect(waitFor(done))
        #expect(fired.values == ["due", "10ms", "20ms-a", "20ms-b", "30ms"])
    }

    @Test func aTimerReschedulingItselfForNowDoesNotStarveTheLoop() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let stop = Atomic<Bool>(false)
        let rounds = Atomic<Int>(0)
        try loop.submit {
            func tick() {
                rounds.add(1, ordering: .relaxed)
                if !stop.load(ordering: .relaxed) { loop.schedule(at: loop.now, tick) }
            }
            loop.schedule(at: loop.now, tick)
        }
        // Tasks still get their turn between timer rounds.
        try loop.submit { stop.store(true, ordering: .relaxed) }
        #expect(rounds.load(ordering: .relaxed) >= 1)
    }

    @Test func cancelledTimersReleaseTheirClosures() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        final class Token: Sendable {}
        let released = try loop.submit { () -> Bool in
            var token: Token? = Token()
            weak let weakToken = token
            let handle = loop.schedule(after: 3_600_000_000_000) { [token] in _ = token }
            token = nil
            loop.cancel(handle)
            return weakToken == nil
        }
        #expect(released)
    }

    @Test func timerHeapPopsInOrderAfterCancellationsFromTheMiddle() {
        var heap = TimerHeap()
        var generator = SystemRandomNumberGenerator()
        var live: [UInt64: UInt64] = [:]   // id -> deadline
        for _ in 0..<2_000 {
            let deadline = UInt64.random(in: 0..<500, using: &generator)
            live[heap.insert(deadline: deadline) {}] = deadline
        }
        for id in live.keys.shuffled().prefix(1_000) {
            let removed = heap.remove(id: id)
            #expect(removed)
            live[id] = nil
        }
        #expect(heap.count == live.count)
        var popped: [(deadline: UInt64, id: UInt64)] = []
        while let entry = heap.popDue(now: .max, idLimit: .max) { popped.append((entry.deadline, entry.id)) }
        #expect(popped.count == live.count)
        #expect(popped.allSatisfy { live[$0.id] == $0.deadline })
        #expect(zip(popped, popped.dropFirst()).allSatisfy { a, b in
            a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
        })
        let removedFired = heap.remove(id: popped.first?.id ?? 0)
        #expect(!removedFired, "a fired timer cannot be cancelled")
    }

    @Test(arguments: [Duration.zero, .microseconds(50), .milliseconds(20)])
    func tasksFromSeveralThreadsRunInOrderPerThread(busyPoll: Duration) throws {
        let loop = try EventLoop(busyPoll: busyPoll)
        defer { loop.shutdown() }
        let seen = Log<(thread: Int, index: Int)>()
        let perThread = 2_000
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for index in 0..<perThread {
                loop.execute { seen.append((thread, index)) }
            }
        }
        try loop.submit {}   // FIFO: everything queued before has run
        let values = seen.values
        #expect(values.count == 4 * perThread)
        for thread in 0..<4 {
            #expect(values.filter { $0.thread == thread }.map(\.index) == Array(0..<perThread))
        }
    }

    @Test func submitReturnsValuesAndRethrows() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        #expect(try loop.submit { 6 * 7 } == 42)
        #expect(try loop.submit { loop.inLoop })
        #expect(!loop.inLoop)
        #expect(throws: EndpointError.empty) { try loop.submit { try Endpoint.parse("") } }
    }

    @Test(arguments: [Duration.zero, .microseconds(50), .milliseconds(20)])
    func aReadableSocketRunsItsHandler(busyPoll: Duration) throws {
        let loop = try EventLoop(busyPoll: busyPoll)
        defer { loop.shutdown() }
        let (a, b) = try makeSocketPair()
        defer { TCP.close(a); TCP.close(b) }
        let received = Log<String>()
        let done = DispatchSemaphore(value: 0)
        try loop.submit {
            try loop.register(fd: a, interest: .readable, handler: Handler { readable, _ in
                var buffer = [UInt8](repeating: 0, count: 64)
                let result = try? buffer.withUnsafeMutableBytes { try TCP.read(a, into: $0) }
                if readable, case .bytes(let n)? = result {
                    received.append(String(decoding: buffer[..<n], as: UTF8.self))
                    done.signal()
                }
            })
        }
        // While the loop polls (asked to by a handler), bytes and tasks are still taken.
        try loop.submit { loop.expectActivity() }
        try send(b, "ping")
        #expect(waitFor(done))
        #expect(received.values == ["ping"])
        try loop.submit { loop.expectActivity() }
        #expect(try loop.submit { 7 } == 7)
        try loop.submit { loop.unregister(fd: a) }
    }

    @Test func writableInterestCanBeTurnedOnAndOff() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let (a, b) = try makeSocketPair()
        defer { TCP.close(a); TCP.close(b) }
        let writableCalls = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        try loop.submit {
            try loop.register(fd: a, interest: [], handler: Handler { _, writable in
                guard writable else { return }
                writableCalls.add(1, ordering: .relaxed)
                try? loop.setInterest(fd: a, [])   // level-triggered: switch off or be called again
                done.signal()
            })
            try loop.setInterest(fd: a, .writable)
            try loop.setInterest(fd: a, .writable)   // unchanged: no-op
        }
        #expect(waitFor(done))
        try loop.submit {}
        #expect(writableCalls.load(ordering: .relaxed) == 1)
        #expect(throws: EventLoopError.notRegistered(fd: b)) { try loop.submit { try loop.setInterest(fd: b, .readable) } }
        #expect(throws: EventLoopError.alreadyRegistered(fd: a)) {
            try loop.submit { try loop.register(fd: a, interest: .readable, handler: Handler { _, _ in }) }
        }
        try loop.submit { loop.unregister(fd: a) }
    }

    @Test func aHungUpPeerIsReportedAsReadableAndReadsEOF() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let (a, b) = try makeSocketPair()
        defer { TCP.close(a) }
        let results = Log<TCP.ReadResult>()
        let done = DispatchSemaphore(value: 0)
        try loop.submit {
            try loop.register(fd: a, interest: .readable, handler: Handler { readable, _ in
                guard readable else { return }
                var buffer = [UInt8](repeating: 0, count: 8)
                if let result = try? buffer.withUnsafeMutableBytes({ try TCP.read(a, into: $0) }) { results.append(result) }
                loop.unregister(fd: a)
                done.signal()
            })
        }
        TCP.close(b)
        #expect(waitFor(done))
        #expect(results.values == [.eof])
    }

    @Test func aHandlerCanUnregisterAnotherFdOfTheSameBatch() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let (a1, a2) = try makeSocketPair()
        let (b1, b2) = try makeSocketPair()
        defer { for fd in [a1, a2, b1, b2] { TCP.close(fd) } }
        // Both are readable before the loop looks, so one epoll_wait returns both.
        try send(a2, "x")
        try send(b2, "y")
        let calls = Log<Int32>()
        try loop.submit {
            let unregisterBoth = Handler { _, _ in
                calls.append(a1)   // whichever runs first removes both
                loop.unregister(fd: a1)
                loop.unregister(fd: b1)
            }
            try loop.register(fd: a1, interest: .readable, handler: unregisterBoth)
            try loop.register(fd: b1, interest: .readable, handler: unregisterBoth)
        }
        try loop.submit {}   // a full iteration later
        try loop.submit {}
        #expect(calls.values.count == 1)
    }

    @Test func unregisterReleasesTheHandler() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let (a, b) = try makeSocketPair()
        defer { TCP.close(a); TCP.close(b) }
        let released = try loop.submit { () -> Bool in
            var handler: Handler? = Handler { _, _ in }
            weak let weakHandler = handler
            try loop.register(fd: a, interest: .readable, handler: handler!)
            handler = nil
            let heldWhileRegistered = weakHandler != nil
            loop.unregister(fd: a)
            return heldWhileRegistered && weakHandler == nil
        }
        #expect(released)
    }

    @Test func shutdownRunsQueuedTasksJoinsAndIsIdempotent() throws {
        let loop = try EventLoop()
        let count = Atomic<Int>(0)
        for _ in 0..<1_000 { loop.execute { count.add(1, ordering: .relaxed) } }
        DispatchQueue.concurrentPerform(iterations: 2) { _ in loop.shutdown() }
        #expect(count.load(ordering: .relaxed) == 1_000)
        loop.shutdown()
        loop.execute { count.add(1, ordering: .relaxed) }   // dropped, not run and not a crash
        #expect(throws: EventLoopError.shutDown(loop: "zmtp")) { try loop.submit { 1 } }
        #expect(count.load(ordering: .relaxed) == 1_000)
    }

    @Test func shutdownFromTheLoopThreadStopsTheLoop() throws {
        let loop = try EventLoop()
        let (a, b) = try makeSocketPair()
        defer { TCP.close(a); TCP.close(b) }
        weak var weakHandler: Handler?
        do {
            let handler = Handler { _, _ in }
            weakHandler = handler
            try loop.submit { try loop.register(fd: a, interest: .readable, handler: handler) }
        }
        let ranAfter = Atomic<Bool>(false)
        loop.execute {
            loop.shutdown()
            loop.execute { ranAfter.store(true, ordering: .relaxed) }   // queued by the loop itself: still runs
        }
        loop.shutdown()   // joins
        let ran = ranAfter.load(ordering: .relaxed)
        #expect(ran)
        #expect(weakHandler == nil, "handlers are released when the loop stops")
    }
}
