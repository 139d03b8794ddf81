@_spi(Engine) import ZMTPCore

/// A socket type's pattern: how its messages go out to and come in from the socket's pipes
/// (DESIGN.md, "one small room each"). The socket owns the pipes, queues and waiting; a room
/// only decides, so adding a type adds a room and touches no engine code. Every member runs
/// with the socket's lock held (so a room's state needs no lock of its own), on whatever
/// thread holds it.
protocol SocketRoom: AnyObject {
    /// Queues an outgoing message on the pipes the pattern chooses.
    func route<M: OutgoingMessage>(_ message: M, on socket: ZMTPSocket) throws(SocketError) -> RouteOutcome
    /// Whether a send could be taken now (what an async sender waits for).
    func canSend(on socket: ZMTPSocket) -> Bool
    /// Throws when the pattern forbids a receive now (before the caller waits).
    func checkReceive() throws(SocketError)
    /// A peer's pipe became ready (handshake done); false refuses the peer (PAIR's second).
    /// What it queues on the pipe goes out with the flush the attach schedules.
    func attached(_ pipe: Pipe, on socket: ZMTPSocket) -> Bool
    /// A ready peer's pipe lost its connection.
    func detached(_ pipe: Pipe, on socket: ZMTPSocket)
    /// A batch read from `pipe`, before it is queued for the application: the batch to queue
    /// instead (a filtered or rewritten one), or nil to queue it as it is. Takes the whole
    /// messages out of `messages` when it returns a batch.
    func arrived(_ messages: inout FramedMessages, from pipe: Pipe, on socket: ZMTPSocket) -> FramedMessages?
    /// Whether each message the application takes goes through `take` first.
    var inspectsTakes: Bool { get }
    /// The message the application gets for `message` from `pipe`, or nil to drop it.
    func take(_ message: [[UInt8]], from pipe: Pipe) -> [[UInt8]]?
    /// The application's subscribe or unsubscribe (SUB, XPUB with `xpubManual`); returns the
    /// connections to flush.
    func subscription(_ subscription: Subscription, on socket: ZMTPSocket) throws(SocketError) -> [any PeerLink]
    /// Messages dropped because a peer's queue was full (PUB, XPUB, XSUB).
    var droppedMessages: UInt64 { get }
}

extension SocketRoom {
    func canSend(on socket: ZMTPSocket) -> Bool { true }
    func checkReceive() throws(SocketError) {}
    func attached(_ pipe: Pipe, on socket: ZMTPSocket) -> Bool { true }
    func detached(_ pipe: Pipe, on socket: ZMTPSocket) {}
    func arrived(_ messages: inout FramedMessages, from pipe: Pipe, on socket: ZMTPSocket) -> FramedMessages? { nil }
    var inspectsTakes: Bool { false }
    func take(_ message: [[UInt8]], from pipe: Pipe) -> [[UInt8]]? { message }
    func subscription(_ subscription: Subscription, on socket: ZMTPSocket) throws(SocketError) -> [any PeerLink] {
        throw SocketError.notSupported
    }
    var droppedMessages: UInt64 { 0 }
}

/// What `route` did with an outgoing message.
enum RouteOutcome {
    /// Queued; the connection needs a flush scheduled when non-nil.
    case queued(flush: (any PeerLink)?)
    /// Queued for several peers (or none): the connections to flush.
    case distributed(flushes: [any PeerLink])
    /// Dropped by the pattern's rule (ROUTER to an unknown or full peer, REP to a gone one).
    case dropped
    /// No pipe can take it now: wait or fail.
    case blocked
}

extension SocketType {
    /// The room for a socket of this type.
    func makeRoom(_ options: SocketOptions) -> any SocketRoom {
        switch self {
        case .dealer: return LoadBalancingRoom(sends: true, receives: true)
        case .push: return LoadBalancingRoom(sends: true, receives: false)
        case .pull: return LoadBalancingRoom(sends: false, receives: true)
        case .router: return RouterRoom()
        case .pair: return PairRoom()
        case .pub, .xpub: return PublisherRoom(type: self, options: options)
        case .sub, .xsub: return SubscriberRoom(type: self)
        case .req: return RequestRoom(options: options)
        case .rep: return ReplyRoom()
        }
    }
}

extension ZMTPSocket {
    /// Load balancing (libzmq's `lb_t`, lock held): the next pipe in turn that can take a
    /// message, a connect's pipe also while it is reconnecting (it queues, as libzmq's does).
    func nextSendPipeLocked() -> Pipe? {
        guard !pipes.isEmpty else { return nil }
        for step in 0..<pipes.count {
            let pipe = pipes[(nextPipe + step) % pipes.count]
            if (pipe.isReady || pipe.persistent) && pipe.hasRoom(sendLimits) {
                nextPipe = (nextPipe + step + 1) % pipes.count
                return pipe
            }
        }
        return nil
    }

    /// Whether some pipe can take a message now (lock held).
    func anyPipeHasRoomLocked() -> Bool {
        pipes.contains { ($0.isReady || $0.persistent) && $0.hasRoom(sendLimits) }
    }

    /// Copies `message` to each of `targets` that is ready and has room (lock held); returns
    /// the connections to flush and how many copies were dropped at a full queue. An array, not
    /// any sequence: called from a room's unspecialized `route`, a generic sequence would be
    /// iterated through witness tables, per peer and message.
    func distributeLocked<M: OutgoingMessage>(_ message: M, to targets: [Pipe]) -> (flushes: [any PeerLink], dropped: Int) {
        var flushes: [any PeerLink] = []
        var dropped = 0
        for pipe in targets where pipe.isReady {
            guard pipe.hasRoom(sendLimits) else {
                dropped += 1
                continue
            }
            if let flush = enqueue(message, from: 0, on: pipe) { flushes.append(flush) }
        }
        if dropped > 0 { metrics.droppedAtHighWaterMark.increment(by: dropped) }
        return (flushes, dropped)
    }
}
