#if canImport(Glibc)
import Glibc
#endif
import ZMTP

/// A line on stdout, written at once (unbuffered, so a pipe sees each line as it comes).
func printLine(_ text: String) {
    writeAll(1, text + "\n")
}

/// A line on stderr (without its newline for a progress line that is rewritten in place).
func printError(_ text: String, newline: Bool = true) {
    writeAll(2, newline ? text + "\n" : text)
}

private func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        guard case .success(let n) = Syscall.run({ bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }), n > 0 else { return }
        bytes = bytes.dropFirst(n)
    }
}

/// Latencies summarised as the ping and load tables show them.
struct LatencyStats {
    let sorted: [Duration]
    init(_ samples: [Duration]) { sorted = samples.sorted() }

    func percentile(_ q: Double) -> Duration? {
        guard !sorted.isEmpty else { return nil }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }

    static func milliseconds(_ d: Duration?) -> String {
        guard let d else { return "-" }
        let (s, atto) = d.components
        let ms = Double(s) * 1000 + Double(atto) / 1e15
        return String(format3(ms))
    }

    var summary: String {
        "min \(Self.milliseconds(sorted.first)) ms, p50 \(Self.milliseconds(percentile(0.5))) ms, "
            + "p99 \(Self.milliseconds(percentile(0.99))) ms, max \(Self.milliseconds(sorted.last)) ms"
    }
}

/// A number with three decimals, without Foundation.
func format3(_ value: Double) -> String {
    let scaled = Int((value * 1000).rounded())
    let fraction = String(abs(scaled) % 1000)
    return "\(scaled / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}

/// Rows of cells, left-aligned in columns.
func table(_ rows: [[String]]) -> String {
    let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in
        rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
    }
    return rows.map { row in
        row.enumerated().map { $1.padding(toLength: widths[$0]) }.joined(separator: "  ")
    }.joined(separator: "\n")
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
