/// Applies input-chosen edits to a valid message made by the real peer code, so the fuzzer
/// reaches deep handshake states that random bytes never would. Edits: flip bits at an offset,
/// cut the tail, append bytes, overwrite a run.
package func mutate(_ original: [UInt8], _ input: inout FuzzInput) -> [UInt8] {
    var out = original
    for _ in 0..<(input.byte() % 4) {
        let op = input.byte()
        let at = out.isEmpty ? 0 : input.uint16() % out.count
        switch op % 4 {
        case 0 where !out.isEmpty: out[at] ^= max(1, input.byte())
        case 1: out.removeSubrange(at...)
        case 2: out += input.take(Int(input.byte() % 64))
        default:
            let run = input.take(Int(input.byte() % 32))
            for (i, b) in run.enumerated() where at + i < out.count { out[at + i] = b }
        }
    }
    return out
}

/// The offsets where `a` and `b` differ, with a length difference counting as a change at the
/// end of the shorter one.
package func differences(_ a: [UInt8], _ b: [UInt8]) -> [Int] {
    var out = zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
    if a.count != b.count { out.append(min(a.count, b.count)) }
    return out
}
