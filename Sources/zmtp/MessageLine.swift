/// The text form of a message in `zmtp cat`: one line, frames separated by TAB; a ROUTER's
/// routing-id frame (the first) in hex.
enum MessageLine {
    static let tab = UInt8(ascii: "\t")

    /// The frames of one line (without its newline).
    static func frames(_ line: [UInt8], routingIDFirst: Bool) throws(LineError) -> [[UInt8]] {
        var frames = line.split(separator: tab, omittingEmptySubsequences: false).map(Array.init)
        if routingIDFirst {
            guard frames.count >= 2 else { throw LineError("a ROUTER line needs a hex routing id, a TAB and at least one frame") }
            guard let id = hexDecode(frames[0]), !id.isEmpty else {
                throw LineError("routing id \"\(String(decoding: frames[0], as: UTF8.self))\" is not hex")
            }
            frames[0] = id
        }
        return frames
    }

    /// One line for `message`, with its newline.
    static func line(_ message: [[UInt8]], routingIDFirst: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for (index, frame) in message.enumerated() {
            if index > 0 { out.append(tab) }
            out.append(contentsOf: index == 0 && routingIDFirst ? hexEncode(frame) : frame)
        }
        out.append(UInt8(ascii: "\n"))
        return out
    }

    static func hexEncode(_ bytes: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }
    }

    static func hexDecode(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var i = 0
        while i < text.count {
            guard let high = nibble(text[i]), let low = nibble(text[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}

/// A stdin line that is not a message for this socket type.
struct LineError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
