/// How long a connection in handshake may stay silent before it counts as stalled: the
/// configured minimum, or 4 times the slowest step of recently completed handshakes (an
/// exponential average) when that is longer, up to 8 times the minimum. When clients are slow (a
/// storm saturating their hosts), a silence as long as what completed handshakes take is not a
/// stall; only completed handshakes count, so stalled connections cannot raise it, and the cap
/// bounds how long slow peers can shelter stalled ones.
struct StallLimit {
    /// Nanoseconds.
    let minimum: UInt64
    /// The average slowest step of completed handshakes, nanoseconds.
    private(set) var typicalStep: UInt64 = 0

    init(minimum: UInt64) {
        self.minimum = minimum
    }

    /// Nanoseconds.
    var current: UInt64 { min(8 * minimum, max(minimum, 4 * typicalStep)) }

    /// A handshake completed; the longest it waited between two steps was `slowestStep`.
    mutating func completed(slowestStep: UInt64) {
        typicalStep = typicalStep - typicalStep / 16 + slowestStep / 16
    }
}
