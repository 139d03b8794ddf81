/// Writes the Prometheus text exposition format, version 0.0.4: per family one `# HELP` and
/// one `# TYPE` line, then its samples. Names and label names are given in their final form
/// (the callers' are fixed, the backend sanitizes what swift-metrics hands it).
struct PrometheusText {
    private(set) var text = ""

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    mutating func family(_ name: String, type: String, help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: UInt64) {
        line(name, labels, String(value))
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
        line(name, labels, String(value))
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        line(name, labels, Self.format(value))
    }

    /// One family holding one sample (the common case).
    mutating func single(_ name: String, type: String, help: String, _ value: UInt64) {
        family(name, type: type, help: help)
        sample(name, [], value)
    }

    private mutating func line(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " \(value)\n"
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Label values escape backslash, double quote and line feed; help text all but the quote.
    static func escapeLabel(_ value: String) -> String { escape(value, quote: true) }

    static func escapeHelp(_ value: String) -> String { escape(value, quote: false) }

    private static func escape(_ value: String, quote: Bool) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"" where quote: out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// A metric or label name as Prometheus allows it: [a-zA-Z_:][a-zA-Z0-9_:]* (colons only
    /// in metric names); anything else becomes an underscore.
    static func sanitize(_ name: String, colons: Bool) -> String {
        var out = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            let v = scalar.value
            let letter = (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || scalar == "_" || (colons && scalar == ":")
            let digit = v >= 0x30 && v <= 0x39
            out.unicodeScalars.append(letter || (digit && index > 0) ? scalar : "_")
        }
        return out.isEmpty ? "_" : out
    }
}
