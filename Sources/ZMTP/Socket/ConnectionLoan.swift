import CLinux
import Glibc

/// Who may use a `PeerConnection` (its engine, decoder, CURVE nonces and flags): the loop
/// thread, or for the length of one blocking send or receive an application thread that
/// borrowed it (PeerConnection+Loan.swift). Never both: the loop enters before it touches the
/// connection, and an application thread borrows only while the loop is outside it and owes it
/// nothing. Loop work that finds the connection lent waits here, in order, and wakes the
/// borrower (through an eventfd it polls), who gives the connection back at once; the loop
/// runs that work when it is given back, before anyone may borrow again.
///
/// The loan also owns the kernel's watch of the fd while it is lent: stopped while the borrower
/// reads (its reads are the only ones), and stopped by the loop when a readable event finds
/// the connection lent to a sender (level-triggered, the event would come back at once and the
/// loop would spin until the sender is done). Whoever stopped it, it restarts before the loop
/// runs the waiting work, so the loop's bookkeeping holds again once the loan ends.
final class ConnectionLoan: @unchecked Sendable {
    /// The fd's registration on the loop.
    struct Watch {
        let loop: EventLoop
        let fd: Int32
        let generation: UInt32
    }

    private struct State {
        /// Nesting depth of the loop's entries (a flush that fails the connection enters twice).
        var loopDepth = 0
        /// The borrowing thread (pthread_self), 0 when not lent.
        var borrower: pthread_t = 0
        /// Loop work that found the connection lent, to run once it is given back.
        var waiting: [() -> Void] = []
        /// The borrower polls and reads the fd (the loop's watch of it is stopped).
        var reading = false
        /// `wakeFD` was written since the borrower last drained it.
        var wakeWritten = false
        /// The kernel's watch of the fd is stopped (`Watch`).
        var watchStopped = false
        /// Loans so far (tests).
        var loans = 0
    }
    private let state = Locked(State())
    /// Written when loop work waits, so a borrower blocked in poll gives the connection back.
    /// Made by the first borrower that polls, closed with the loan.
    @exclusivity(unchecked) private var wakeFD: Int32 = -1
    /// Set by the connection once registered, before it can be lent.
    @exclusivity(unchecked) var watch: Watch?

    deinit {
        if wakeFD >= 0 { Syscall.close(wakeFD) }
    }

    // MARK: Loop thread

    /// The loop is about to touch the connection: true when it may (call `exit` after), false
    /// when it is lent (then `work` waits for its return). For an epoll event (`event`, what it
    /// reported), the watch stops until the loan ends; a readable event that finds the borrower
    /// reading is dropped: the borrower reads what made the fd readable.
    @inline(__always)
    func enter(orWait work: @autoclosure () -> () -> Void, event: IOInterest? = nil) -> Bool {
        let wake: Int32? = state.withLock { state in
            // Inside already, or free with no older work waiting: go in. Work that waits for a
            // given-back connection (its watch possibly stopped) keeps its turn: later work
            // queues behind it.
            if state.loopDepth > 0 || (state.borrower == 0 && state.waiting.isEmpty) {
                state.loopDepth += 1
                return nil
            }
            if state.borrower == 0 {
                state.waiting.append(work())
                return -1
            }
            if let event {
                if state.reading && event == .readable { return -1 }
                _ = stopWatch(&state)
            }
            state.waiting.append(work())
            guard wakeFD >= 0, !state.wakeWritten else { return -1 }
            state.wakeWritten = true
            return wakeFD
        }
        guard let wake else { return true }
        if wake >= 0 { _ = Syscall.run { eventfd_write(wake, 1) } }
        return false
    }

    @inline(__always)
    func exit() {
        state.withLock { $0.loopDepth -= 1 }
    }

    /// Wakes a borrower to give the connection back when no loop work asks for it (its reading
    /// is no longer wanted), from any thread.
    func recall() {
        let wake: Int32? = state.withLock { state in
            guard state.borrower != 0 else { return nil }
            state.waiting.append({})
            guard wakeFD >= 0, !state.wakeWritten else { return nil }
            state.wakeWritten = true
            return wakeFD
        }
        if let wake { _ = Syscall.run { eventfd_write(wake, 1) } }
    }

    /// Runs the work that waited for the connection's return (a task the borrower queued),
    /// after restarting the kernel's watch with the connection's `interest`. False (and the
    /// work dropped) when it could not be restarted: the caller fails the connection.
    func runWaiting(interest: () -> IOInterest) -> Bool {
        let work: [() -> Void]? = state.withLock { state in
            state.loopDepth += 1
            defer { state.waiting = [] }
            guard restartWatch(&state, interest: interest()) else { return nil }
            return state.waiting
        }
        for w in work ?? [] { w() }
        exit()
        return work != nil
    }

    // MARK: Application thread

    /// Borrows the connection for the calling thread if the loop is outside it and owes it no
    /// work. A borrower `forReading` reads whatever makes the fd readable from now on.
    func borrow(forReading: Bool = false) -> Bool {
        let me = pthread_self()
        return state.withLock { state in
            guard state.loopDepth == 0, state.borrower == 0, state.waiting.isEmpty else { return false }
            state.borrower = me
            state.reading = forReading
            state.loans += 1
            return true
        }
    }

    /// Leaves `work` for the loop, to run once the connection is given back (borrower only).
    func handToLoop(_ work: @escaping () -> Void) {
        state.withLock { state in
            assert(Self.isBorrower(state), "only the borrower hands work to the loop")
            state.waiting.append(work)
        }
    }

    /// Ends the loan; true when loop work waited meanwhile (the caller then queues `runWaiting`).
    func giveBack() -> Bool {
        state.withLock { state in
            assert(Self.isBorrower(state), "only the borrower gives a connection back")
            state.borrower = 0
            state.reading = false
            return !state.waiting.isEmpty
        }
    }

    /// The borrower `forReading` is about to poll the fd: stops the loop's watch and returns the
    /// fd to poll beside it, readable once loop work waits (made on first use). Nil when either
    /// failed (the borrower then reads nothing).
    func startReading() -> Int32? {
        assert(state.withLock { Self.isBorrower($0) }, "only the borrower reads")
        if wakeFD < 0 {
            guard case .success(let fd) = Syscall.run({ eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }) else {
                state.withLock { $0.reading = false }
                return nil
            }
            state.withLock { _ in wakeFD = fd }
        }
        return state.withLock { state in
            if state.wakeWritten {
                var drained: eventfd_t = 0
                _ = Syscall.run { eventfd_read(wakeFD, &drained) }
                state.wakeWritten = false
            }
            guard stopWatch(&state) else {
                state.reading = false
                return nil
            }
            return wakeFD
        }
    }

    /// The borrower's poll found the wake fd readable: drains it, so the next poll blocks
    /// again (a count nobody drained would end every poll at once, and the borrower would
    /// spin). What holds instead: loop work is queued before the fd is written, and the
    /// borrower looks at `isWanted` after this drain, so work written before it is seen there,
    /// and work queued after it writes the fd anew (`wakeWritten` is false).
    func drainWake() {
        state.withLock { state in
            assert(Self.isBorrower(state), "only the borrower drains the wake fd")
            var drained: eventfd_t = 0
            _ = Syscall.run { eventfd_read(wakeFD, &drained) }
            state.wakeWritten = false
        }
    }

    /// The borrower stopped reading: restarts the loop's watch with the connection's
    /// `interest`. False when it could not (the borrower hands the loop a failure).
    func stopReading(interest: IOInterest) -> Bool {
        state.withLock { state in
            assert(Self.isBorrower(state), "only the borrower stops reading")
            state.reading = false
            return restartWatch(&state, interest: interest)
        }
    }

    // MARK: The watch (lock held)

    /// Stops the kernel's watch unless stopped; false when there was none to stop.
    private func stopWatch(_ state: inout State) -> Bool {
        guard !state.watchStopped, let watch else { return state.watchStopped }
        state.watchStopped = watch.loop.stopWatch(fd: watch.fd)
        return state.watchStopped
    }

    private func restartWatch(_ state: inout State, interest: IOInterest) -> Bool {
        guard state.watchStopped, let watch else { return true }
        state.watchStopped = false
        do {
            try watch.loop.restartWatch(fd: watch.fd, generation: watch.generation, interest: interest)
            return true
        } catch {
            return false
        }
    }

    /// Loop work waits for the connection (checked by the borrower after each wake-up).
    var isWanted: Bool {
        state.withLock { state in
            assert(Self.isBorrower(state), "only the borrower asks whether the loop wants it")
            return !state.waiting.isEmpty
        }
    }

    /// How many times the connection was lent (tests).
    var loans: Int {
        state.withLock { $0.loans }
    }

    /// An application thread holds the connection now. For tests only: anyone else would see a
    /// state that may change before they act on it.
    var isLent: Bool {
        state.withLock { $0.borrower != 0 }
    }

    /// Whether the calling thread may touch the connection now (for debug assertions).
    func isHeldByCurrentThread(loopThread: Bool) -> Bool {
        state.withLock { state in
            loopThread ? state.loopDepth > 0 && state.borrower == 0 : Self.isBorrower(state)
        }
    }

    private static func isBorrower(_ state: State) -> Bool {
        pthread_equal(state.borrower, pthread_self()) != 0
    }
}
