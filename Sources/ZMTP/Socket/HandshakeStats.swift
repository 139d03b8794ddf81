import Synchronization

/// A socket's handshakes that did not complete, since it was made.
public struct HandshakeStats: Sendable, Equatable {
    /// Refused by the mechanism, broken off by the peer, or out of time.
    public var failures: UInt64
    /// Accepted connections dropped at the cap because they stalled while others waited.
    public var evictions: UInt64

    /// Counts with the given values.
    public init(failures: UInt64 = 0, evictions: UInt64 = 0) {
        self.failures = failures
        self.evictions = evictions
    }
}

/// The counters behind `HandshakeStats`: written on the loop thread, read from any.
final class HandshakeCounters: Sendable {
    private let failures = Atomic<UInt64>(0)
    private let evictions = Atomic<UInt64>(0)

    func record(_ error: ZMTPError) {
        if error == .handshakeStalled {
            evictions.add(1, ordering: .relaxed)
        } else {
            failures.add(1, ordering: .relaxed)
        }
    }

    var snapshot: HandshakeStats {
        HandshakeStats(failures: failures.load(ordering: .relaxed), evictions: evictions.load(ordering: .relaxed))
    }
}

extension ZMTPSocket {
    /// Handshakes refused or evicted so far. Any thread.
    public var handshakeStats: HandshakeStats { handshakeCounters.snapshot }
}
