extension Array where Element == UInt8 {
    /// The bytes in hex, two digits each, for logs: generated routing ids are binary.
    public var hex: String {
        map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined()
    }
}

extension Array where Element == [UInt8] {
    /// The frames one per line, as the guide's `s_dump` and `zmsg_dump` show them: the size in
    /// three digits, then the bytes as text when they are all printable, else in hex.
    public var dump: String {
        map { frame in
            let printable = frame.allSatisfy { (32...126).contains($0) }
            let size = String(frame.count)
            let padding = String(repeating: "0", count: Swift.max(0, 3 - size.count))
            let body = printable ? String(decoding: frame, as: UTF8.self) : frame.hex
            return "[\(padding)\(size)] \(body)"
        }.joined(separator: "\n")
    }
}
