import CLinux
import Dispatch
import Glibc
import Synchronization

/// The thread that runs sockets' connections, timers and `serve` handlers. Sockets share
/// `EventLoop.shared()` unless given one of their own.
///
/// One thread, one epoll fd (level-triggered), a timer heap, and an eventfd that wakes the
/// thread when other threads queue tasks. In the spirit of Redis's ae.c: each iteration
///   1. computes the timeout from the earliest timer (milliseconds, rounded up, so the loop
///      never wakes early and spins on zero timeouts; ZMTP timers are millisecond-scale),
///   2. epoll_wait()s, 3. dispatches ready fds, 4. runs due timers, 5. runs queued tasks.
///
/// Members marked "loop thread only" must be called on the loop thread (from handlers, timers
/// or tasks); they are unchecked for speed. The loop keeps itself alive until `shutdown()`.
public final class EventLoop: @unchecked Sendable {
    /// The name given to `init`, used in error messages and fatal diagnostics.
    public let name: String

    private static let maxEvents: Int32 = 256
    /// epoll user data of the wake eventfd; fd registrations carry (generation << 32 | fd).
    private static let wakeToken = UInt64.max

    private let epollFD: Int32
    private let wakeFD: Int32

    private struct TaskQueue {
        var tasks: [@Sendable () -> Void] = []
        /// The loop is in (or about to enter) a blocking epoll_wait: the next task must wake it.
        var sleeping = false
        var closed = false
        /// `epollFD` and `wakeFD` are closed (after the join, well after `closed`: the loop
        /// still runs the tasks queued before shutdown, with its epoll fd open).
        var descriptorsClosed = false
        /// Run once on the loop thread when it stops (see `whenShutDown`), by id.
        var shutdownHooks: [UInt64: @Sendable () -> Void] = [:]
        var nextHookID: UInt64 = 0
    }
    private let queue = Locked(TaskQueue())
    /// Set when a task is queued, cleared when the loop takes the queue: lets the busy-poll
    /// notice tasks without taking the lock.
    private let tasksQueued = Atomic<Bool>(false)
    /// How long the loop polls for more work after some before it blocks (0: never), in
    /// nanoseconds; blocking receives on the loop's sockets poll as long before they sleep.
    package let busyPoll: UInt64

    private struct Lifecycle {
        var thread: pthread_t?
        var joined = false
    }
    private let lifecycle = Locked(Lifecycle())
    /// pthread_self() of the loop thread, stored by the thread itself before anything runs on it.
    private let loopThread = Atomic<UInt>(0)

    // Loop-confined state (dynamic exclusivity checks off: they cost more than the work).
    private struct Registration {
        let handler: IOHandler
        var interest: IOInterest
        let generation: UInt32
    }
    /// Indexed by fd. The generation tells a stale event (fd unregistered and its number reused
    /// earlier in the same batch) from a live one.
    @exclusivity(unchecked) private var registrations: [Registration?] = []
    @exclusivity(unchecked) private var generation: UInt32 = 0
    @exclusivity(unchecked) private var timers = TimerHeap()
    /// Set while `runStopped` runs: the epoll fd is closed and its number may be another
    /// loop's epoll or any file by then, so the bookkeeping changes but no epoll_ctl is made.
    @exclusivity(unchecked) private var standingIn = false
    @exclusivity(unchecked) private var running: [@Sendable () -> Void] = []
    private let events: UnsafeMutablePointer<epoll_event>
    @exclusivity(unchecked) private var cachedNow: UInt64
    /// A handler of this round expects activity soon: poll before blocking.
    @exclusivity(unchecked) private var activityExpected = false

    /// Creates the epoll fd and the wake eventfd and starts the loop thread. After a round of
    /// work in which a handler expects an answer soon (`expectActivity`: it wrote a message, or
    /// handed one to an application thread waiting for it), the loop keeps polling (epoll_wait
    /// with no timeout) for up to `busyPoll` before it blocks: a reply or a task that comes
    /// within that window is taken without the thread going to sleep and being woken again,
    /// which costs tens of microseconds on a virtual machine's idle CPU. It costs at most
    /// `busyPoll` of CPU per such round; streams that only arrive never poll.
    public init(name: String = "zmtp", busyPoll: Duration = .microseconds(50)) throws {
        let epollFD = try Syscall.run { epoll_create1(Int32(EPOLL_CLOEXEC)) }.get("epoll_create1")
        let wakeFD: Int32
        do throws(SystemError) {
            wakeFD = try Syscall.run { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }.get("eventfd")
        } catch {
            Syscall.close(epollFD)
            throw error
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        if case .failure(let errno) = Syscall.run({ epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) }) {
            Syscall.close(wakeFD)
            Syscall.close(epollFD)
            throw SystemError(operation: "epoll_ctl(ADD eventfd)", errno: errno)
        }
        self.name = name
        self.busyPoll = UInt64(busyPoll.components.seconds) * 1_000_000_000 + UInt64(busyPoll.components.attoseconds / 1_000_000_000)
        self.epollFD = epollFD
        self.wakeFD = wakeFD
        self.events = .allocate(capacity: Int(Self.maxEvents))
        self.cachedNow = monotonicNow()

        // The thread owns a reference until run() returns; deinit closes the fds if this throws.
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            Unmanaged<EventLoop>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<EventLoop>.fromOpaque(context).release()
            throw SystemError(operation: "pthread_create", errno: Errno(rawValue: rc))
        }
        lifecycle.withLock { $0.thread = thread }
    }

    deinit {
        // Reached only once the loop thread has left run() (it holds a reference until then).
        let state = lifecycle.withLock { $0 }
        if !state.joined {
            if let thread = state.thread {
                if pthread_equal(thread, pthread_self()) != 0 {
                    pthread_detach(thread)   // the loop thread dropped the last reference
                } else {
                    pthread_join(thread, nil)
                }
            }
            closeDescriptors()
        }
        events.deallocate()
    }

    /// True when called on this loop's thread.
    public var inLoop: Bool {
        pthread_equal(loopThread.load(ordering: .relaxed), pthread_self()) != 0
    }

    // MARK: - Cross-thread API

    /// Thread-safe: queues a task to run on the loop thread, in FIFO order. The eventfd is
    /// written only when the loop sleeps in epoll_wait, so a busy loop takes tasks for free.
    /// After `shutdown()` tasks from other threads are dropped: then it returns false, and a
    /// caller waiting for the task must not wait any longer.
    @discardableResult
    public func execute(_ task: @escaping @Sendable () -> Void) -> Bool {
        enqueue(task)
    }

    /// Thread-safe: runs `hook` on the loop thread once the loop stops, after its last tasks,
    /// so whoever keeps callers waiting on the loop can fail them. Nil when the loop is already
    /// shut down. Remove the hook with `cancel(_:)` when it is no longer needed.
    package func whenShutDown(_ hook: @escaping @Sendable () -> Void) -> ShutdownHook? {
        queue.withLock { queue in
            guard !queue.closed else { return nil }
            queue.nextHookID += 1
            queue.shutdownHooks[queue.nextHookID] = hook
            return ShutdownHook(id: queue.nextHookID)
        }
    }

    /// Thread-safe: removes a hook added by `whenShutDown`; no effect once it ran.
    package func cancel(_ hook: ShutdownHook) {
        _ = queue.withLock { $0.shutdownHooks.removeValue(forKey: hook.id) }
    }

    /// Runs the task on the loop thread and waits for its result; rethrows its error. Throws
    /// `EventLoopError.shutDown` after `shutdown()`. Must not be called on the loop thread.
    public func submit<T: Sendable>(_ task: @escaping @Sendable () throws -> T) throws -> T {
        precondition(!inLoop, "EventLoop.submit called on its own loop thread would wait for itself forever")
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        let queued = enqueue {
            let result = Result(catching: task)
            outcome.value.withLock { $0 = result }
            done.signal()
        }
        guard queued else { throw EventLoopError.shutDown(loop: name) }
        done.wait()
        return try outcome.value.withLock { $0! }.get()
    }

    /// Stops the loop after it has run the tasks already queued, joins its thread and closes its
    /// fds; registered handlers and pending timers are released (registered fds are not
    /// closed). Idempotent. On the loop thread it only marks the loop to stop; a later call from
    /// another thread (or deinit) joins.
    public func shutdown() {
        queue.withLock { queue in
            queue.closed = true
            if queue.sleeping { queue.sleeping = false; signalWake() }
        }
        if inLoop { return }
        lifecycle.withLock { state in
            guard let thread = state.thread, !state.joined else { return }
            pthread_join(thread, nil)
            state.joined = true
            // A thread made from now on may get the joined one's pthread_t: not the loop's.
            loopThread.store(0, ordering: .relaxed)
            closeDescriptors()
        }
    }

    /// For a loop that is shut down (it refused a task): waits for its thread to stop, as
    /// `shutdown()` does, then runs `body` on the calling thread in the loop thread's stead
    /// (`inLoop` is true there meanwhile, for one such thread at a time), then the tasks `body`
    /// queued, and releases what they registered or scheduled. So what the loop owned can still
    /// be released under the same ownership checks: a socket closed after its loop stopped and
    /// its connections hold each other. Must not be called on the loop thread.
    package func runStopped(_ body: () -> Void) {
        precondition(!inLoop, "EventLoop.runStopped called on its own loop thread, which runs")
        assert(queue.withLock { $0.closed }, "EventLoop.runStopped called on a running loop")
        shutdown()
        lifecycle.withLock { _ in
            loopThread.store(pthread_self(), ordering: .relaxed)
            standingIn = true
            body()
            _ = runTasks()
            releaseHandlers()
            standingIn = false
            loopThread.store(0, ordering: .relaxed)
        }
    }

    // MARK: - Loop thread only

    /// Asks the loop to busy-poll after this round (see `init`).
    package func expectActivity() {
        activityExpected = true
    }

    /// Monotonic clock (CLOCK_MONOTONIC) in nanoseconds, refreshed each loop iteration.
    /// Loop thread only.
    package var now: UInt64 { cachedNow }

    /// Re-reads the clock into `now`, for handlers that ran long. Loop thread only.
    package func refreshNow() {
        cachedNow = monotonicNow()
    }

    /// Starts watching `fd`; keeps a strong reference to `handler` until `unregister`.
    /// Loop thread only.
    package func register(fd: Int32, interest: IOInterest, handler: IOHandler) throws {
        guard fd >= 0 else { throw SystemError(operation: "register fd \(fd)", errno: .badFileDescriptor) }
        if Int(fd) < registrations.count, registrations[Int(fd)] != nil {
            throw EventLoopError.alreadyRegistered(fd: fd)
        }
        generation = generation == UInt32.max ? 1 : generation + 1
        if !interest.isEmpty { try control(EPOLL_CTL_ADD, fd, interest, generation) }
        if Int(fd) >= registrations.count {
            registrations.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - registrations.count))
        }
        registrations[Int(fd)] = Registration(handler: handler, interest: interest, generation: generation)
    }

    /// The generation of `fd`'s registration (for `restartWatch`). Loop thread only.
    package func generation(of fd: Int32) -> UInt32 {
        registrations[Int(fd)]!.generation
    }

    /// Thread-safe: stops the kernel's watch of a registered `fd` without the loop's
    /// bookkeeping, for a handler lent to another thread that reads the fd itself (the handler
    /// keeps the loop out of it meanwhile). False when the kernel had no watch (no interest)
    /// or the loop's descriptors are closed.
    package func stopWatch(fd: Int32) -> Bool {
        queue.withLock { queue in
            guard !queue.descriptorsClosed else { return false }
            if case .success = Syscall.run({ epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil) }) { return true }
            return false
        }
    }

    /// Thread-safe: undoes `stopWatch` with the registration's own `interest` and `generation`,
    /// putting the kernel back in step with the loop's bookkeeping. Nothing once the loop's
    /// descriptors are closed: it watches nothing any more. Between `shutdown()` and then it
    /// still runs queued tasks, which may change the fd's interest: the watch must be back.
    package func restartWatch(fd: Int32, generation: UInt32, interest: IOInterest) throws(SystemError) {
        guard !interest.isEmpty else { return }
        // Under the queue's lock, which `closeDescriptors` takes before it closes: once the
        // epoll fd is closed its number may be taken by another loop's epoll or any file.
        let restarted: Result<Void, SystemError> = queue.withLock { queue in
            guard !queue.descriptorsClosed else { return .success(()) }
            return Result { () throws(SystemError) in try control(EPOLL_CTL_ADD, fd, interest, generation) }
        }
        try restarted.get()
    }

    /// Changes what `fd` waits for; no syscall when unchanged. Loop thread only.
    package func setInterest(fd: Int32, _ interest: IOInterest) throws {
        guard fd >= 0, Int(fd) < registrations.count, let registration = registrations[Int(fd)] else {
            throw EventLoopError.notRegistered(fd: fd)
        }
        let old = registration.interest
        if old == interest { return }
        let operation = old.isEmpty ? EPOLL_CTL_ADD : interest.isEmpty ? EPOLL_CTL_DEL : EPOLL_CTL_MOD
        try control(operation, fd, interest, registration.generation)
        registrations[Int(fd)]!.interest = interest
    }

    /// Whether `fd` is registered (with any interest). Loop thread only.
    func isRegistered(fd: Int32) -> Bool {
        fd >= 0 && Int(fd) < registrations.count && registrations[Int(fd)] != nil
    }

    /// Stops watching `fd` and releases its handler; does not close it. Call it before closing
    /// the fd. Safe from inside any handler, also for other fds of the same batch.
    /// Loop thread only.
    package func unregister(fd: Int32) {
        guard fd >= 0, Int(fd) < registrations.count, let registration = registrations[Int(fd)] else { return }
        if !registration.interest.isEmpty && !standingIn {
            // Fails only if the fd was already closed, which removed it from epoll anyway.
            _ = Syscall.run { epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil) }
        }
        registrations[Int(fd)] = nil
    }

    /// Runs `body` on the loop thread once `now` reaches `deadline` (same-deadline timers in
    /// scheduling order). A timer scheduled by a timer for a past deadline runs in the next
    /// iteration, never in the same round. Loop thread only.
    @discardableResult
    package func schedule(at deadline: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        TimerHandle(id: timers.insert(deadline: deadline, body: body))
    }

    /// Runs `body` `nanoseconds` after `now`. Loop thread only.
    @discardableResult
    package func schedule(after nanoseconds: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        let (deadline, overflow) = cachedNow.addingReportingOverflow(nanoseconds)
        return schedule(at: overflow ? .max : deadline, body)
    }

    /// Cancels a pending timer and releases its closure (O(log n)); no effect once it fired.
    /// Loop thread only.
    package func cancel(_ timer: TimerHandle) {
        timers.remove(id: timer.id)
    }

    // MARK: - The loop

    private func run() {
        loopThread.store(pthread_self(), ordering: .relaxed)
        while true {
            var count = activityExpected ? poll() : 0
            activityExpected = false
            var waitError: Errno?
            if count == 0 {
                let timeout = pollTimeout()
                switch Syscall.run(retryOnInterrupt: false, { epoll_wait(epollFD, events, Self.maxEvents, timeout) }) {
                case .success(let ready): count = ready
                case .failure(let errno): waitError = errno
                }
                if timeout != 0 { queue.withLock { $0.sleeping = false } }
            }
            refreshNow()
            if count > 0 {
                dispatch(Int(count))
            } else if let waitError, waitError != .interrupted {
                // Only EBADF/EFAULT/EINVAL remain: the loop's own fd or buffer is broken.
                fatalError("event loop '\(name)': \(SystemError(operation: "epoll_wait", errno: waitError))")
            }
            runDueTimers()
            if !runTasks() { break }
        }
        let hooks = queue.withLock { queue in
            defer { queue.shutdownHooks = [:] }
            return queue.shutdownHooks.sorted { $0.key < $1.key }.map(\.value)
        }
        for hook in hooks { hook() }
        releaseHandlers()
    }

    /// Breaks reference cycles (handlers and timers usually capture the loop).
    private func releaseHandlers() {
        registrations.removeAll()
        timers = TimerHeap()
    }

    /// Busy-polls for up to `busyPoll`: returns the number of ready events (0 when the window
    /// passed, a task was queued or a timer is due: the caller then runs the normal round).
    private func poll() -> Int32 {
        guard busyPoll > 0 else { return 0 }
        let end = monotonicNow() &+ busyPoll
        let due = timers.earliestDeadline ?? .max
        while true {
            switch Syscall.run(retryOnInterrupt: false, { epoll_wait(epollFD, events, Self.maxEvents, 0) }) {
            case .success(0): break
            case .success(let count): return count
            case .failure: return 0
            }
            if tasksQueued.load(ordering: .acquiring) { return 0 }
            let now = monotonicNow()
            if now >= end || now >= due { return 0 }
            sched_yield()  // a thread with work on this CPU goes first
        }
    }

    /// The epoll_wait timeout in ms; marks the loop as sleeping when it will block.
    private func pollTimeout() -> Int32 {
        refreshNow()
        var timeout: Int32 = -1
        if let deadline = timers.earliestDeadline {
            if deadline <= cachedNow { return 0 }
            timeout = Int32(clamping: (deadline - cachedNow + 999_999) / 1_000_000)
        }
        let busy = queue.withLock { queue in
            if !queue.tasks.isEmpty || queue.closed { return true }
            queue.sleeping = true
            return false
        }
        return busy ? 0 : timeout
    }

    private func dispatch(_ count: Int) {
        let failure = EPOLLHUP.rawValue | EPOLLERR.rawValue
        for index in 0..<count {
            let event = events[index]
            let token = event.data.u64
            if token == Self.wakeToken {
                var value: eventfd_t = 0
                _ = Syscall.run { eventfd_read(wakeFD, &value) }
                continue
            }
            let fd = Int(UInt32(truncatingIfNeeded: token))
            // Looked up per event: an earlier handler of this batch may have unregistered it.
            guard fd < registrations.count, let registration = registrations[fd],
                  registration.generation == UInt32(truncatingIfNeeded: token >> 32) else { continue }
            let flags = event.events
            let failed = flags & failure != 0
            let readable = failed || flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0
            let writable = flags & EPOLLOUT.rawValue != 0 || (failed && registration.interest.contains(.writable))
            registration.handler.ioReady(readable: readable, writable: writable)
        }
    }

    private func runDueTimers() {
        let limit = timers.nextID
        while let timer = timers.popDue(now: cachedNow, idLimit: limit) {
            timer.body()
        }
    }

    /// Runs the queued tasks; false once the loop must stop. After shutdown it keeps running
    /// batches until the queue is empty, so every task queued before shutdown runs.
    private func runTasks() -> Bool {
        while true {
            let closed = queue.withLock { queue in
                swap(&queue.tasks, &running)
                tasksQueued.store(false, ordering: .relaxed)
                return queue.closed
            }
            let ran = !running.isEmpty
            for task in running { task() }
            running.removeAll(keepingCapacity: true)
            if !closed { return true }
            if !ran { return false }
        }
    }

    // MARK: - Helpers

    /// Queues a task; false when the loop is shut down and the caller is not the loop thread.
    private func enqueue(_ task: @escaping @Sendable () -> Void) -> Bool {
        let inLoop = self.inLoop
        return queue.withLock { queue in
            if queue.closed && !inLoop { return false }
            queue.tasks.append(task)
            tasksQueued.store(true, ordering: .releasing)
            // Written under the lock: once `closed` is seen, no write can reach a closed fd.
            if queue.sleeping { queue.sleeping = false; signalWake() }
            return true
        }
    }

    private func signalWake() {
        _ = Syscall.run { eventfd_write(wakeFD, 1) }
    }

    private func control(_ operation: Int32, _ fd: Int32, _ interest: IOInterest, _ generation: UInt32) throws(SystemError) {
        guard !standingIn else { return }
        var event = epoll_event()
        event.events = (interest.contains(.readable) ? EPOLLIN.rawValue : 0)
            | (interest.contains(.writable) ? EPOLLOUT.rawValue : 0)
        event.data.u64 = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
        _ = try Syscall.run { epoll_ctl(epollFD, operation, fd, &event) }.get("epoll_ctl fd \(fd)")
    }

    private func closeDescriptors() {
        // Seen by `stopWatch` and `restartWatch` before any of their epoll_ctl could reach a
        // closed (or reused) fd number.
        queue.withLock { $0.descriptorsClosed = true }
        Syscall.close(wakeFD)
        Syscall.close(epollFD)
    }
}

/// Carries a submitted task's result back to the waiting thread.
private final class Outcome<T: Sendable>: Sendable {
    let value = Locked<Result<T, any Error>?>(nil)
}
