/// State of one connected client. A reference type so that the topic table can point at
/// it and fan-out can update its send time in place. Touched only by the core's one thread, so
/// its per-message fields go without dynamic exclusivity checks.
final class BrokerClient {
    let id: [UInt8]
    /// The CONNECT TTL; 0 when the client gave none: the broker then sends it no heartbeats
    /// and never evicts it for silence, as the original brokers did.
    var ttlMilliseconds: UInt64
    var ttl: UInt64
    var topics: Set<[UInt8]> = []
    @exclusivity(unchecked) var lastHeard: UInt64
    @exclusivity(unchecked) var lastSent: UInt64
    /// Silence after the last send before a heartbeat NOOP is due: 0.5 to 0.75 TTL, drawn
    /// anew after each heartbeat so that clients (and the client's own 0.95 TTL NOOP) never
    /// fall into lockstep.
    var heartbeatDelay: UInt64 = 0
    /// False once the client is forgotten: its deadline-heap entry is then stale.
    var connected = true
    /// The ticket of this client's one live deadline-heap entry.
    var ticket: UInt64 = 0
    /// When its queue was found at the high-water mark, until it drains to the low-water mark.
    @exclusivity(unchecked) var fullSince: UInt64?
    /// When it is disconnected as a slow consumer if it has not drained by then (set when it
    /// first holds up another client).
    @exclusivity(unchecked) var slowConsumerAt: UInt64 = .max

    init(id: [UInt8], ttlMilliseconds: UInt64, now: UInt64) {
        self.id = id
        self.ttlMilliseconds = ttlMilliseconds
        self.ttl = Self.nanoseconds(ttlMilliseconds)
        self.lastHeard = now
        self.lastSent = now
    }

    /// A CONNECT from a connected client (as the originals allow) changes its TTL.
    func setTTL(milliseconds: UInt64) {
        ttlMilliseconds = milliseconds
        ttl = Self.nanoseconds(milliseconds)
    }

    private static func nanoseconds(_ milliseconds: UInt64) -> UInt64 {
        let (ns, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        return overflow ? .max / 2 : ns
    }

    /// `jitter` in 0..<1 (anything else is clamped) picks the heartbeat delay.
    func drawHeartbeatDelay(jitter: Double) {
        let j = jitter.isFinite ? min(max(jitter, 0), 1) : 0.5
        heartbeatDelay = UInt64(Double(ttl) * (BrokerClient.heartbeatMin + BrokerClient.heartbeatSpread * j))
    }

    static let heartbeatMin = 0.5
    static let heartbeatSpread = 0.25

    var heartbeatDue: UInt64 { ttl == 0 ? .max : saturatingAdd(lastSent, heartbeatDelay) }
    /// 1.05 TTL after the client was last heard from; never while it has no TTL or is `paused`
    /// (not read: it cannot be heard). Whether it is paused is `BrokerFlow`'s to say.
    func evictAt(paused: Bool) -> UInt64 {
        ttl == 0 || paused ? .max : saturatingAdd(lastHeard, saturatingAdd(ttl, ttl / 20))
    }

    func deadline(paused: Bool) -> UInt64 { min(heartbeatDue, evictAt(paused: paused), slowConsumerAt) }

    func info(paused: Bool) -> BrokerClientInfo {
        BrokerClientInfo(ttlMilliseconds: ttlMilliseconds, topics: topics, paused: paused, fullSince: fullSince,
                         lastHeard: lastHeard, lastSent: lastSent)
    }
}

func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? .max : sum
}

/// A routing id for log lines: as text when it is printable ASCII (mc0 clients name
/// themselves), else as hex (libzmq's generated ids are binary).
func clientID(_ id: [UInt8]) -> String {
    if !id.isEmpty, id.count <= 64, id.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
        return "'" + String(decoding: id, as: UTF8.self) + "'"
    }
    let digits = Array("0123456789abcdef")
    var out = "0x"
    for byte in id.prefix(32) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return id.count > 32 ? out + "..." : out
}
