/// Reads a fuzz input as a sequence of decisions and byte strings. Every read succeeds: past
/// the end it yields zeros and empty arrays, so a harness never has to handle a short input.
package struct FuzzInput {
    package let bytes: [UInt8]
    package private(set) var offset = 0

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package var isAtEnd: Bool { offset >= bytes.count }
    package var remaining: Int { max(0, bytes.count - offset) }

    package mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A big-endian 16-bit number.
    package mutating func uint16() -> Int { Int(byte()) << 8 | Int(byte()) }

    /// The next `count` bytes (fewer at the end).
    package mutating func take(_ count: Int) -> [UInt8] {
        let n = min(max(0, count), remaining)
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    /// Everything not read yet.
    package mutating func rest() -> [UInt8] { take(remaining) }

    /// Splits what is left into records, each a length (16-bit big-endian, or one byte when
    /// `short`) then that many bytes (cut short at the end): how the harnesses turn one input
    /// into commands, messages or frames.
    package mutating func records(limit: Int = .max, short: Bool = false) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while !isAtEnd, out.count < limit { out.append(take(short ? Int(byte()) : uint16())) }
        return out
    }
}

/// Splits `bytes` into chunks whose lengths come from `lengths` (cycled; 0 counts as 1), so the
/// same stream reaches a decoder cut at different points.
package func chunked(_ bytes: [UInt8], lengths: [UInt8]) -> [ArraySlice<UInt8>] {
    guard !lengths.isEmpty else { return [bytes[...]] }
    var out: [ArraySlice<UInt8>] = []
    var start = 0
    var i = 0
    while start < bytes.count {
        let n = max(1, Int(lengths[i % lengths.count]))
        out.append(bytes[start..<min(bytes.count, start + n)])
        start += n
        i += 1
    }
    return out
}
