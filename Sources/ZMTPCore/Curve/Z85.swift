/// What is wrong with a Z85 input (ZeroMQ RFC 32).
public enum Z85Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// Z85 encodes whole 4-byte groups only; there is no padding.
    case binaryLengthNotMultipleOf4(Int)
    /// Z85 text comes in whole 5-character groups.
    case textLengthNotMultipleOf5(Int)
    /// A character outside the 85-character alphabet; `offset` counts characters from 0.
    case badCharacter(Character, offset: Int)
    /// A 5-character group worth more than 0xFFFFFFFF; `offset` is the group's first character.
    case groupOverflow(offset: Int)

    public var description: String {
        switch self {
        case .binaryLengthNotMultipleOf4(let n): return "Z85 encodes a multiple of 4 bytes, got \(n)"
        case .textLengthNotMultipleOf5(let n): return "Z85 text length must be a multiple of 5, got \(n) characters"
        case .badCharacter(let c, let i):
            let shown = c.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } ? "'\(c)'" : c.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
            return "character \(shown) at position \(i + 1) is not in the Z85 alphabet"
        case .groupOverflow(let i): return "Z85 group starting at position \(i + 1) exceeds 32 bits"
        }
    }
}

/// Z85, the ZeroMQ base-85 text form used for CURVE keys: 4 bytes <-> 5 characters, big-endian.
public enum Z85 {
    static let alphabet: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    /// ASCII byte -> digit value, 0xFF where the byte is not in the alphabet.
    package static let decodeTable: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 128)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    public static func encode(_ bytes: [UInt8]) throws(Z85Error) -> String {
        guard bytes.count % 4 == 0 else { throw .binaryLengthNotMultipleOf4(bytes.count) }
        return encodeGroups(bytes)
    }

    /// Encoding proper; the caller guarantees whole 4-byte groups (keys are 32 bytes).
    static func encodeGroups(_ bytes: [UInt8]) -> String {
        precondition(bytes.count % 4 == 0, "Z85 input must be whole 4-byte groups")
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 5)
        var i = 0
        while i < bytes.count {
            var v = UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
            var group = [UInt8](repeating: 0, count: 5)
            for j in stride(from: 4, through: 0, by: -1) {
                group[j] = alphabet[Int(v % 85)]
                v /= 85
            }
            out.append(contentsOf: group)
            i += 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) throws(Z85Error) -> [UInt8] {
        let chars = Array(text)
        guard chars.count % 5 == 0 else { throw .textLengthNotMultipleOf5(chars.count) }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 5 * 4)
        var i = 0
        while i < chars.count {
            var v: UInt64 = 0
            for j in i..<(i + 5) {
                let c = chars[j]
                guard let a = c.asciiValue, decodeTable[Int(a)] != 0xFF else { throw .badCharacter(c, offset: j) }
                v = v * 85 + UInt64(decodeTable[Int(a)])
            }
            guard v <= UInt64(UInt32.max) else { throw .groupOverflow(offset: i) }
            out.appendBE(UInt32(v))
            i += 5
        }
        return out
    }
}
