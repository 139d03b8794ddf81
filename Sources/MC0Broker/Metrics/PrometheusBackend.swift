import CoreMetrics
import Synchronization

/// A swift-metrics backend that keeps every metric in memory and writes them in the Prometheus
/// text format on demand: what mc0d bootstraps so the ZMTP library's per-socket counters appear
/// on its /metrics endpoint. Counters are one relaxed atomic add per update. Gauges (recorders
/// that do not aggregate) keep their last value, meters their running sum; aggregating
/// recorders and timers are written as summaries without quantiles (count and sum; timers in
/// seconds). Thread-safe.
///
/// Not swift-prometheus: the broker's own metrics are integers its loop already keeps and reads
/// at a scrape, which that library's push-only metrics (a counter can only be incremented, a
/// histogram observation takes a lock) would duplicate on the message path; with one text
/// writer needed anyway, this backend is the little that remains.
public final class PrometheusBackend: MetricsFactory, Sendable {
    private let families = Mutex<[String: Family]>([:])
    private let help: [String: String]

    /// - Parameter help: help text by metric name (e.g. `SocketMetrics.help`); a metric without
    ///   one gets a generic line.
    public init(help: [String: String] = [:]) {
        self.help = help
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        series(label, dimensions, .counter) { CounterSeries() }
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        series(label, dimensions, .counter) { FloatCounterSeries() }
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate { return series(label, dimensions, .summary) { SummarySeries(scale: 1) } }
        return series(label, dimensions, .gauge) { GaugeSeries() }
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        series(label, dimensions, .gauge) { MeterSeries() }
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        series(label, dimensions, .summary) { SummarySeries(scale: 1e-9) }
    }

    // Series live as long as the process: a socket's counters are made once, and forgetting
    // one would make its counter restart from zero.
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    /// Everything this backend holds, in the text format (what mc0d appends to its own).
    public func metricsText() -> String {
        var out = PrometheusText()
        write(into: &out)
        return out.text
    }

    /// Every family in name order, each series in label order.
    func write(into out: inout PrometheusText) {
        let snapshot = families.withLock { $0 }
        for name in snapshot.keys.sorted() {
            let family = snapshot[name]!
            out.family(name, type: family.kind.rawValue, help: help[name] ?? "\(name), reported through swift-metrics.")
            for key in family.series.keys.sorted(by: { $0.text < $1.text }) {
                family.series[key]!.write(name, key.labels, into: &out)
            }
        }
    }

    /// The series of `label` with `dimensions`, made on first use; the same object for the same
    /// name and labels, so two sockets with the same name share their counters. A name already
    /// used with another kind gets a suffix rather than an invalid exposition.
    private func series<H>(_ label: String, _ dimensions: [(String, String)], _ kind: Kind,
                           make: () -> H) -> H where H: Series {
        var name = PrometheusText.sanitize(label, colons: true)
        let labels = dimensions.map { (PrometheusText.sanitize($0.0, colons: false), $0.1) }
        let key = LabelKey(labels: labels)
        return families.withLock { families in
            if let existing = families[name], existing.kind != kind { name += "_\(kind.rawValue)" }
            var family = families[name] ?? Family(kind: kind)
            if let found = family.series[key] as? H { return found }
            let made = make()
            family.series[key] = made
            families[name] = family
            return made
        }
    }

    private enum Kind: String {
        case counter, gauge, summary
    }

    private struct Family {
        let kind: Kind
        var series: [LabelKey: any Series] = [:]
    }

    private struct LabelKey: Hashable {
        let labels: [(String, String)]
        let text: String

        init(labels: [(String, String)]) {
            self.labels = labels
            text = labels.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{0}")
        }

        static func == (a: LabelKey, b: LabelKey) -> Bool { a.text == b.text }
        func hash(into hasher: inout Hasher) { hasher.combine(text) }
    }
}

private protocol Series: AnyObject, Sendable {
    func write(_ name: String, _ labels: [(String, String)], into out: inout PrometheusText)
}

private final class CounterSeries: CounterHandler, Series {
    private let value = Atomic<Int64>(0)
    func increment(by amount: Int64) { value.add(amount, ordering: .relaxed) }
    func reset() { value.store(0, ordering: .relaxed) }
    func write(_ name: String, _ labels: [(String, String)], into out: inout PrometheusText) {
        out.sample(name, labels, Int(value.load(ordering: .relaxed)))
    }
}

private final class FloatCounterSeries: FloatingPointCounterHandler, Series {
    private let value = Mutex<Double>(0)
    func increment(by amount: Double) { value.withLock { $0 += amount } }
    func reset() { value.withLock { $0 = 0 } }
    func write(_ name: String, _ labels: [(String, String)], into out: inout PrometheusText) {
        out.sample(name, labels, value.withLock { $0 })
    }
}

private final class GaugeSeries: RecorderHandler, Series {
    private let bits = Atomic<UInt64>(0)
    func record(_ value: Int64) { record(Double(value)) }
    func record(_ value: Double) { bits.store(value.bitPattern, ordering: .relaxed) }
    func write(_ name: String, _ labels: [(String, String)], into out: inout PrometheusText) {
        out.sample(name, labels, Double(bitPattern: bits.load(ordering: .relaxed)))
    }
}

/// A gauge that is added to: every meter of the same name and labels moves the same value.
private final class MeterSeries: MeterHandler, Series {
    private let value = Mutex<Double>(0)
    func set(_ value: Int64) { set(Double(value)) }
    func set(_ value: Double) { self.value.withLock { $0 = value } }
    func increment(by amount: Double) { value.withLock { $0 += amount } }
    func decrement(by amount: Double) { value.withLock { $0 -= amount } }
    func write(_ name: String, _ labels: [(String, String)], into out: inout PrometheusText) {
        out.sample(name, labels, value.withLock { $0 })
    }
}

private final class SummarySeries: RecorderHandler, TimerHandler, Series {
    private let state = Mutex<(count: UInt64, sum: Double)>((0, 0))
    private let scale: Double
    init(scale: Double) { self.scale = scale }
    func record(_ value: Int64) { record(Double(value)) }
    func record(_ value: Double) { state.withLock { $0.count += 1; $0.sum += value * scale } }
    func recordNanoseconds(_ duration: Int64) { record(Double(duration)) }
    func write(_ name: String, _ labels: [(String, String)], into out: inout PrometheusText) {
        let (count, sum) = state.withLock { $0 }
        out.sample(name + "_sum", labels, sum)
        out.sample(name + "_count", labels, count)
    }
}
