extension Array where Element == UInt8 {
    /// The bytes in hex, two digits each, for logs: generated routing ids are binary.
    public var hex: String {
        map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined()
    }
}
