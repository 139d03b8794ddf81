/// Big-endian integer access on byte arrays: every multi-byte integer in ZMTP is network order.
extension Array where Element == UInt8 {
    @inlinable mutating func appendBE(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    @inlinable mutating func appendBE(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }
    @inlinable mutating func appendBE(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// Reads `count` bytes at `offset` as an unsigned big-endian integer. Caller checks bounds.
    @inlinable func readBE(at offset: Int, count: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<count { v = (v << 8) | UInt64(self[offset + i]) }
        return v
    }
}

extension Array where Element == UInt8 {
    /// Empties a buffer that just held `used` bytes. Its memory is kept while it is in use, so a
    /// steady stream reuses it (releasing and regrowing a multi-megabyte buffer each round costs
    /// page faults); a buffer over 1 MiB that held less than a quarter of its capacity is
    /// released (a burst is over).
    mutating func empty(afterHolding used: Int) {
        removeAll(keepingCapacity: capacity <= 1 << 20 || used >= capacity / 4)
    }
}
