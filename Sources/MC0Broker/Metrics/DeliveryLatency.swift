import ZMTP

/// The histogram behind `mc0d_delivery_latency_seconds`: for each PUT with at least one
/// subscriber, the time from the start of the event-loop round that read it to the moment
/// its last MESSAGE was queued for a subscriber. It covers the wait behind the messages read
/// before it and the fan-out; not the time a MESSAGE then spends in a subscriber's queue.
/// Loop-confined: plain counts, read at a scrape on the same thread.
struct DeliveryLatency {
    /// Upper bounds in nanoseconds (10 µs to 1 s).
    static let bounds: [UInt64] = [10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
                                   1_000_000, 2_500_000, 5_000_000, 10_000_000, 100_000_000, 1_000_000_000]
    /// Observations per bucket, not cumulative; the last one is above every bound.
    private(set) var counts = [UInt64](repeating: 0, count: bounds.count + 1)
    private(set) var sumNanoseconds: UInt64 = 0

    /// One observation from `start` (a loop `now`) to the clock now.
    mutating func observe(since start: UInt64) {
        let now = monotonicNow()
        let elapsed = now > start ? now - start : 0
        sumNanoseconds &+= elapsed
        counts[Self.bounds.firstIndex { elapsed <= $0 } ?? Self.bounds.count] += 1
    }

    func write(into out: inout PrometheusText) {
        let name = "mc0d_delivery_latency_seconds"
        out.family(name, type: "histogram", help: "Time from the event-loop round that read a PUT to its fan-out queued for every subscriber.")
        var cumulative: UInt64 = 0
        for (index, bound) in Self.bounds.enumerated() {
            cumulative += counts[index]
            out.sample(name + "_bucket", [("le", PrometheusText.format(Double(bound) / 1e9))], cumulative)
        }
        cumulative += counts[Self.bounds.count]
        out.sample(name + "_bucket", [("le", "+Inf")], cumulative)
        out.sample(name + "_sum", [], Double(sumNanoseconds) / 1e9)
        out.sample(name + "_count", [], cumulative)
    }
}
