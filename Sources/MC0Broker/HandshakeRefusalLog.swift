import ZMTP

/// Logs refused handshakes in summary, so a client retrying with a wrong key or a reconnect
/// storm writes a line per address per interval instead of one per connection. The first
/// refusal from an address is logged at once; later ones in the same interval are counted and
/// logged as one line when it ends, for as long as they keep coming. Addresses are IPs without
/// the port (each reconnect comes from a new port). Past `maxAddresses` in an interval, the
/// rest are counted together, so a flood from many addresses cannot grow it without bound.
///
/// Pure bookkeeping: the caller passes the time and arms a timer for `flush` at the deadline
/// `record` returns. Confined to one thread (the broker's loop).
final class HandshakeRefusalLog {
    let interval: UInt64
    let maxAddresses: Int
    private let emit: (String) -> Void

    private struct Entry {
        var count = 0
        var lastReason = ""
    }
    /// Addresses logged in the current interval, with the refusals since their last line.
    private var entries: [String: Entry] = [:]
    private var others = Entry()
    /// End of the current interval; nil when none is open.
    private(set) var intervalEnd: UInt64?

    init(interval: UInt64, maxAddresses: Int = 256, emit: @escaping (String) -> Void) {
        self.interval = interval
        self.maxAddresses = maxAddresses
        self.emit = emit
    }

    /// Notes a refused handshake from `peer` ("IP:port" or "[IPv6]:port"). Returns the end of
    /// the interval when this opened one: call `flush` then.
    func record(peer: String, reason: String, now: UInt64) -> UInt64? {
        let address = Self.address(of: peer)
        var opened: UInt64?
        if intervalEnd == nil {
            intervalEnd = now &+ interval
            opened = intervalEnd
        }
        if entries[address] != nil {
            entries[address]!.count += 1
            entries[address]!.lastReason = reason
        } else if entries.count < maxAddresses {
            entries[address] = Entry()
            emit("refused handshake from \(address): \(reason)")
        } else {
            others.count += 1
            others.lastReason = reason
        }
        return opened
    }

    /// Ends the interval: one line per address refused again since its last line. Addresses
    /// that were quiet are forgotten. Returns the end of the next interval when one stays open.
    func flush(now: UInt64) -> UInt64? {
        let seconds = Self.seconds(interval)
        for (address, entry) in entries.sorted(by: { $0.key < $1.key }) where entry.count > 0 {
            emit("refused \(entry.count) more handshakes from \(address) in the last \(seconds) s; last: \(entry.lastReason)")
        }
        if others.count > 0 {
            emit("refused \(others.count) handshakes from other addresses in the last \(seconds) s; last: \(others.lastReason)")
        }
        entries = entries.filter { $0.value.count > 0 }.mapValues { _ in Entry() }
        others = Entry()
        intervalEnd = entries.isEmpty ? nil : now &+ interval
        return intervalEnd
    }

    /// The IP of "IP:port" or "[IPv6]:port"; anything else as it is.
    static func address(of peer: String) -> String {
        if peer.hasPrefix("["), let close = peer.firstIndex(of: "]") {
            return String(peer[peer.index(after: peer.startIndex)..<close])
        }
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        return String(peer[..<colon])
    }

    private static func seconds(_ nanoseconds: UInt64) -> String {
        nanoseconds % 1_000_000_000 == 0 ? "\(nanoseconds / 1_000_000_000)"
            : String(Double(nanoseconds) / 1e9)
    }
}

extension HandshakeRefusalLog {
    /// `record` on `loop`'s thread, with a loop timer flushing each interval while one is open.
    func record(peer: String, reason: String, on loop: EventLoop) {
        assert(loop.inLoop)
        if let end = record(peer: peer, reason: reason, now: loop.now) { flush(at: end, on: loop) }
    }

    private func flush(at deadline: UInt64, on loop: EventLoop) {
        loop.schedule(at: deadline) { [self] in
            if let next = flush(now: loop.now) { flush(at: next, on: loop) }
        }
    }
}
