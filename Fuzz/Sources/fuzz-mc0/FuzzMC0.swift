import FuzzSupport
import MC0
import MC0Broker

/// The mc0 message parser and the broker core. Input: a sequence of steps, each a 16-bit
/// length then: control(1) | frames (8-bit length | bytes)*. Control bits 0-1 pick one of four
/// clients, bit 2 runs the clock forward (by the next byte x 50 ms) and ticks, bit 3 makes the
/// sender's pipe full for this step, bit 4 reports the sender's pipe drained after it.
/// Checked on every step, against the core's own state before and after it:
/// - parse(frames(parse(x))) == parse(x); every message the broker sends parses and is
///   MESSAGE, ERROR, OK or NOOP;
/// - the sender gets at most one reply, never both ERROR and OK; OK echoes the request's ID
///   and ERROR carries it when it could be read;
/// - a refused message changes nothing; an accepted one changes exactly what its verb says;
/// - PUT reaches each subscriber of its topic once and nobody else; nothing is dropped for a
///   full pipe: the sender is paused instead;
/// - ticks send only NOOPs, and evict only clients silent for at least their TTL or full for
///   the slow-consumer timeout;
/// - stats agree with the clients and topics.
@main struct FuzzMC0 {
    static func main() { runFuzzer(fuzz) }
}

let ids: [[UInt8]] = (0..<4).map { [0, 0x80, 0, 0, UInt8($0)] }
let config = BrokerConfig(maxClients: 3, maxTopicsPerClient: 4, maxTopicLength: 16, maxMessageBytes: 512, maxFramesPerMessage: 16)

struct Snapshot {
    var clients: [[UInt8]: BrokerClientInfo] = [:]
    init(_ core: BrokerCore) {
        for id in ids { clients[id] = core.client(id) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(bytes(data, size))
    var full: [UInt8]? = nil
    var draws = 0.0
    let core = BrokerCore(config: config, isFull: { $0 == full }, jitter: {
        draws += 0.37
        return draws.truncatingRemainder(dividingBy: 1)
    })
    var now: UInt64 = 1_000_000_000
    for step in input.records(limit: 64) {
        var s = FuzzInput(step)
        let control = s.byte()
        let id = ids[Int(control & 3)]
        if control & 4 != 0 {
            now += UInt64(s.byte()) * 50_000_000
            checkTick(core, now: now)
        }
        full = control & 8 != 0 ? id : nil
        now += 1_000_000
        checkHandle(core, id: id, frames: s.records(short: true), now: now, pipeFull: full != nil)
        full = nil
        _ = core.takeActions()
        if control & 16 != 0 { core.drained(client: id, now: now) }
        _ = core.takeActions()
        let stats = core.stats
        let after = Snapshot(core)
        require(stats.clients == after.clients.count, "stats.clients \(stats.clients) != \(after.clients.count)")
        let topics = Set(after.clients.values.flatMap(\.topics))
        require(stats.topics == topics.count, "stats.topics \(stats.topics) != \(topics.count)")
    }
    return 0
}

func checkHandle(_ core: BrokerCore, id: [UInt8], frames: [[UInt8]], now: UInt64, pipeFull: Bool) {
    let parsed = try? MC0Message.parse(frames)
    if let parsed {
        require((try? MC0Message.parse(parsed.frames())) == parsed, "parse(frames(m)) != m for \(parsed.verb)")
    }
    let before = Snapshot(core)
    let out = core.handle(client: id, frames: frames, now: now)
    let after = Snapshot(core)

    var replies: [MC0Message] = []
    var deliveries: [[UInt8]] = []
    for o in out {
        guard let m = try? MC0Message.parse(o.frames) else { return require(false, "the broker sent an unparsable message") }
        switch m.verb {
        case .ok, .error:
            require(o.client == id, "\(m.verb) sent to a client other than the sender")
            replies.append(m)
        case .message:
            deliveries.append(o.client)
        default:
            require(false, "the broker answered with \(m.verb)")
        }
    }
    require(replies.count <= 1, "\(replies.count) replies to one message")
    // Nothing is dropped for a full pipe: the sender is paused instead.
    if pipeFull && out.contains(where: { $0.client == id }) { require(core.stats.paused > 0, "a reply to a full pipe paused nobody") }
    let requestID = parsed?.header("ID")
    if let reply = replies.first {
        if reply.verb == .ok {
            require(reply.header("ID") == requestID && requestID != nil, "OK without the request's ID")
        } else {
            require(reply.header("MESSAGE")?.isEmpty == false, "ERROR without a MESSAGE")
            require(reply.header("ID") == MC0Message.bestEffortID(in: frames), "ERROR does not carry the request's ID")
        }
    }
    let refused = replies.first?.verb == .error || parsed == nil
    guard !refused, !pipeFull else {
        // Nothing changed, unless the pipe was full (then the outcome is not visible here).
        if !pipeFull { require(sameState(before, after) && deliveries.isEmpty, "a refused message changed the broker's state or was delivered") }
        return
    }
    guard let message = parsed else { return }
    if requestID != nil { require(replies.first?.verb == .ok, "accepted message with an ID got no OK") }
    var expected = before.clients
    switch message.verb {
    case .connect:
        // A second CONNECT changes only the TTL, as in the original brokers.
        let topics = before.clients[id]?.topics ?? []
        require(after.clients[id]?.topics == topics, "CONNECT changed the client's topics")
        expected[id] = after.clients[id]
    case .disconnect:
        expected[id] = nil
    case .sub:
        expected[id]?.topics.formUnion(message.positional)
    case .unsub:
        expected[id]?.topics.subtract(message.positional)
    case .put:
        let topic = message.header("TOPIC") ?? []
        let subscribers = ids.filter { before.clients[$0]?.topics.contains(topic) == true }
        require(deliveries.sorted { $0.lexicographicallyPrecedes($1) } == subscribers, "PUT reached \(deliveries.count) clients, \(subscribers.count) subscribe")
    default:
        break
    }
    if message.verb != .put { require(deliveries.isEmpty, "\(message.verb) caused deliveries") }
    require(sameState(Snapshot(expected), after), "\(message.verb) changed the state other than it says")
}

func checkTick(_ core: BrokerCore, now: UInt64) {
    let before = Snapshot(core)
    for o in core.tick(now: now) {
        require(o.frames == MC0Message.noop.frames(), "tick sent something other than NOOP")
        guard let info = before.clients[o.client] else { return require(false, "NOOP to an unknown client") }
        require(now - info.lastSent >= info.ttlMilliseconds * 1_000_000 / 2, "NOOP before half the TTL")
    }
    let after = Snapshot(core)
    for (id, info) in before.clients where after.clients[id] == nil {
        let slow = info.fullSince.map { now - $0 >= config.slowConsumerTimeout } ?? false
        let silent = info.ttlMilliseconds > 0 && !info.paused && now - info.lastHeard >= info.ttlMilliseconds * 1_000_000
        require(slow || silent, "evicted a client heard from within its TTL, or paused, or not full for long")
    }
    require(after.clients.keys.allSatisfy { before.clients[$0] != nil }, "tick connected a client")
}

func sameState(_ a: Snapshot, _ b: Snapshot) -> Bool {
    a.clients.count == b.clients.count
        && a.clients.allSatisfy { id, info in b.clients[id].map { $0.topics == info.topics && $0.ttlMilliseconds == info.ttlMilliseconds } ?? false }
}

extension Snapshot {
    init(_ clients: [[UInt8]: BrokerClientInfo]) { self.clients = clients }
}
