/// State of one connected client. A reference type so that the topic table can point at
/// it and fan-out can update its send time in place.
final class BrokerClient {
    let id: [UInt8]
    let ttlMilliseconds: UInt64
    let ttl: UInt64
    var topics: Set<[UInt8]> = []
    var lastHeard: UInt64
    var lastSent: UInt64
    /// Silence after the last send before a heartbeat NOOP is due: 0.5 to 0.75 TTL, drawn
    /// anew after each heartbeat so that clients (and the client's own 0.95 TTL NOOP) never
    /// fall into lockstep.
    var heartbeatDelay: UInt64 = 0
    /// False once the client is forgotten: its deadline-heap entry is then stale.
    var connected = true
    /// The ticket of this client's one live deadline-heap entry.
    var ticket: UInt64 = 0
    var drops: UInt64 = 0
    var dropsSinceLog: UInt64 = 0
    var lastDropLog: UInt64?

    init(id: [UInt8], ttlMilliseconds: UInt64, now: UInt64) {
        self.id = id
        self.ttlMilliseconds = ttlMilliseconds
        let (ns, overflow) = ttlMilliseconds.multipliedReportingOverflow(by: 1_000_000)
        self.ttl = overflow ? .max / 2 : ns
        self.lastHeard = now
        self.lastSent = now
    }

    /// `jitter` in 0..<1 (anything else is clamped) picks the heartbeat delay.
    func drawHeartbeatDelay(jitter: Double) {
        let j = jitter.isFinite ? min(max(jitter, 0), 1) : 0.5
        heartbeatDelay = UInt64(Double(ttl) * (BrokerClient.heartbeatMin + BrokerClient.heartbeatSpread * j))
    }

    static let heartbeatMin = 0.5
    static let heartbeatSpread = 0.25

    var heartbeatDue: UInt64 { saturatingAdd(lastSent, heartbeatDelay) }
    /// 1.05 TTL after the client was last heard from.
    var evictAt: UInt64 { saturatingAdd(lastHeard, saturatingAdd(ttl, ttl / 20)) }
    var deadline: UInt64 { min(heartbeatDue, evictAt) }

    var info: BrokerClientInfo {
        BrokerClientInfo(ttlMilliseconds: ttlMilliseconds, topics: topics, drops: drops,
                         lastHeard: lastHeard, lastSent: lastSent)
    }
}

func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? .max : sum
}

/// A routing id as hex, for log lines (libzmq's generated ids are binary).
func hexID(_ id: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var out = ""
    for byte in id.prefix(32) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return id.count > 32 ? out + "..." : out
}
