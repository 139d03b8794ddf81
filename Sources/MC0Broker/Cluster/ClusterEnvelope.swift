/// A PUT as it travels between brokers in a NATS payload: which broker accepted it, and its
/// forwarded headers and body frames. Binary, big-endian (see PROTOCOL.md, "Clustering"):
///
///     version (1 byte, 1) | origin length (1) | origin |
///     header count (2) | per header: key length (2), key, value length (4), value |
///     frame count (2) | per frame: length (4), bytes
///
/// The topic is not repeated: the subject names it.
package struct ClusterEnvelope: Equatable {
    static let version: UInt8 = 1

    package var origin: [UInt8]
    package var headers: [(key: String, value: [UInt8])]
    package var body: [[UInt8]]

    package static func == (lhs: ClusterEnvelope, rhs: ClusterEnvelope) -> Bool {
        lhs.origin == rhs.origin && lhs.body == rhs.body && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// The payload; an origin longer than 255 bytes is cut to 255.
    package func encoded() -> [UInt8] {
        let origin = self.origin.prefix(255)
        var out: [UInt8] = [Self.version, UInt8(origin.count)]
        out += origin
        Self.put16(headers.count, &out)
        for header in headers {
            let key = Array(header.key.utf8)
            Self.put16(key.count, &out)
            out += key
            Self.put32(header.value.count, &out)
            out += header.value
        }
        Self.put16(body.count, &out)
        for frame in body {
            Self.put32(frame.count, &out)
            out += frame
        }
        return out
    }

    /// Reads a payload; nil when it is not a well-formed envelope of this version, or holds
    /// more headers and frames together than `maxFrames`.
    package init?(decoding bytes: [UInt8], maxFrames: Int) {
        var reader = Reader(bytes: bytes)
        guard reader.byte() == Self.version, let originLength = reader.byte(),
              let origin = reader.bytes(Int(originLength)), let headerCount = reader.u16() else { return nil }
        var headers: [(key: String, value: [UInt8])] = []
        guard 2 * headerCount <= maxFrames else { return nil }
        for _ in 0..<headerCount {
            guard let keyLength = reader.u16(), let key = reader.bytes(keyLength),
                  let valueLength = reader.u32(), let value = reader.bytes(valueLength) else { return nil }
            // Keys are UTF-8 text in mc0 (PROTOCOL.md section 2).
            guard let text = String(validating: key, as: UTF8.self), !text.isEmpty else { return nil }
            headers.append((key: text, value: value))
        }
        guard let frameCount = reader.u16(), 2 * headerCount + frameCount <= maxFrames else { return nil }
        var body: [[UInt8]] = []
        for _ in 0..<frameCount {
            guard let length = reader.u32(), let frame = reader.bytes(length) else { return nil }
            body.append(frame)
        }
        guard reader.atEnd else { return nil }
        self.origin = origin
        self.headers = headers
        self.body = body
    }

    package init(origin: [UInt8], headers: [(key: String, value: [UInt8])], body: [[UInt8]]) {
        self.origin = origin
        self.headers = headers
        self.body = body
    }

    private static func put16(_ value: Int, _ out: inout [UInt8]) {
        out += [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func put32(_ value: Int, _ out: inout [UInt8]) {
        out += [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// Bounds-checked reads: every length is checked against what is left.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func byte() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func u16() -> Int? {
            guard let high = byte(), let low = byte() else { return nil }
            return Int(high) << 8 | Int(low)
        }

        mutating func u32() -> Int? {
            guard let high = u16(), let low = u16() else { return nil }
            return high << 16 | low
        }

        mutating func bytes(_ count: Int) -> [UInt8]? {
            guard count <= bytes.count - index else { return nil }
            defer { index += count }
            return Array(bytes[index..<index + count])
        }
    }
}
