/// A listener's connections in handshake: how many there are (the cap), which one has gone
/// longest without a handshake step (the eviction candidate), and the queue through which their
/// input is read a few per loop round.
///
/// The connections form a doubly linked list ordered by their last step: a step moves a
/// connection to the tail, so the head is always the stalest one and every operation costs the
/// same whatever the cap. Handshake input (a CURVE step costs key agreements) is not read when
/// it arrives but queued, and a loop task reads `turnsPerRound` of them per round, so the
/// connections already through their handshake keep their round trips during a storm.
///
/// Loop-confined: every method runs on the loop thread (the task hop is why it is Sendable).
final class HandshakeAdmission: @unchecked Sendable {
    let loop: EventLoop
    /// Connections in handshake at most; past it the listener keeps newcomers waiting.
    let cap: Int
    /// Silence after which a connection may be evicted to admit a waiting one.
    private(set) var stallLimit: StallLimit
    /// Handshake inputs read per loop round.
    static let turnsPerRound = 16

    private(set) var count = 0
    private var head: AdmissionTicket?
    private var tail: AdmissionTicket?
    /// Connections whose input waits for its turn, oldest first.
    private var inputQueue = RingBuffer<AdmissionTicket>()
    private var turnsScheduled = false
    /// Called when a slot frees or the stalest connection may have become evictable (the
    /// listener admits waiting connections and re-arms its eviction timer).
    var changed: () -> Void = {}

    init(loop: EventLoop, cap: Int, stallLimit: UInt64) {
        self.loop = loop
        self.cap = max(1, cap)
        self.stallLimit = StallLimit(minimum: stallLimit)
    }

    var isFull: Bool { count >= cap }

    /// Takes a newly accepted connection in, as the freshest.
    func admit(_ connection: PeerConnection) {
        assert(loop.inLoop)
        let ticket = AdmissionTicket(connection: connection, admission: self, now: loop.now)
        connection.admission = ticket
        append(ticket)
        count += 1
    }

    /// When the stalest connection becomes evictable; nil when none is in handshake or the
    /// stalest has input waiting for its turn (it is waiting for us, not stalled).
    var nextEviction: UInt64? {
        guard let head, !head.inputQueued else { return nil }
        return head.lastStep &+ stallLimit.current
    }

    /// Evicts the stalest connection if it took no step for the stall limit; false otherwise.
    func evictStalest() -> Bool {
        assert(loop.inLoop)
        guard let due = nextEviction, due <= loop.now, let connection = head?.connection else { return false }
        connection.fail(reason: "no handshake step while other connections waited", error: .handshakeStalled)
        return true
    }

    /// The connection took a handshake step: it becomes the freshest.
    func stepped(_ ticket: AdmissionTicket) {
        assert(loop.inLoop)
        guard ticket.isAdmitted else { return }
        ticket.slowestStep = max(ticket.slowestStep, loop.now - ticket.lastStep)
        unlink(ticket)
        ticket.lastStep = loop.now
        append(ticket)
    }

    /// The connection finished its handshake (`completed`) or closed: its slot frees.
    func release(_ ticket: AdmissionTicket, completed: Bool) {
        assert(loop.inLoop)
        guard ticket.isAdmitted else { return }
        if completed {
            stallLimit.completed(slowestStep: max(ticket.slowestStep, loop.now - ticket.lastStep))
        }
        unlink(ticket)
        ticket.isAdmitted = false
        ticket.connection = nil
        count -= 1
        changed()
    }

    /// Queues the connection's input for a turn (its readable interest is off meanwhile).
    func queueInput(_ ticket: AdmissionTicket) {
        assert(loop.inLoop)
        guard ticket.isAdmitted, !ticket.inputQueued else { return }
        ticket.inputQueued = true
        inputQueue.append(ticket)
        guard !turnsScheduled else { return }
        turnsScheduled = true
        loop.execute { self.takeTurns() }
    }

    /// One round's turns: reads the input of the next few queued connections.
    private func takeTurns() {
        turnsScheduled = false
        var turns = 0
        var headServed = false
        while turns < Self.turnsPerRound, let ticket = inputQueue.popFirst() {
            ticket.inputQueued = false
            guard let connection = ticket.connection else { continue }  // closed while waiting
            headServed = headServed || ticket === head
            turns += 1
            connection.readAdmittedInput()
        }
        if !inputQueue.isEmpty {
            turnsScheduled = true
            loop.execute { self.takeTurns() }
        }
        if headServed { changed() }
    }

    private func append(_ ticket: AdmissionTicket) {
        ticket.previous = tail
        ticket.next = nil
        if let tail { tail.next = ticket } else { head = ticket }
        tail = ticket
    }

    private func unlink(_ ticket: AdmissionTicket) {
        if let previous = ticket.previous { previous.next = ticket.next } else { head = ticket.next }
        if let next = ticket.next { next.previous = ticket.previous } else { tail = ticket.previous }
        ticket.previous = nil
        ticket.next = nil
    }
}

/// A connection's place in its listener's admission: a node of the list ordered by last step.
/// The references are strong and broken when the handshake ends (`release`).
final class AdmissionTicket {
    let admission: HandshakeAdmission
    fileprivate(set) var connection: PeerConnection?
    fileprivate var previous: AdmissionTicket?
    fileprivate var next: AdmissionTicket?
    /// When the connection was accepted or last took a handshake step.
    fileprivate(set) var lastStep: UInt64
    /// The longest wait between two of its steps so far.
    fileprivate var slowestStep: UInt64 = 0
    fileprivate(set) var inputQueued = false
    fileprivate(set) var isAdmitted = true

    fileprivate init(connection: PeerConnection, admission: HandshakeAdmission, now: UInt64) {
        self.connection = connection
        self.admission = admission
        lastStep = now
    }

    func queueInput() { admission.queueInput(self) }
    func stepped() { admission.stepped(self) }
    func release(completed: Bool) { admission.release(self, completed: completed) }
}
