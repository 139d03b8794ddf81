/// A JSON value, as much as INFO needs.
enum JSONValue: Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
}

/// A small strict JSON reader for the server's INFO object. Input is bounded by the caller (the
/// control-line limit); nesting is bounded here so hostile input cannot exhaust the stack.
struct JSONReader {
    static let maxDepth = 16
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    mutating func readDocument() throws(NATSWireError) -> JSONValue {
        let value = try readValue(depth: 0)
        skipBlanks()
        guard index == bytes.endIndex else { throw .badInfo("trailing bytes after the JSON value") }
        return value
    }

    private mutating func readValue(depth: Int) throws(NATSWireError) -> JSONValue {
        guard depth < Self.maxDepth else { throw .badInfo("nested deeper than \(Self.maxDepth)") }
        skipBlanks()
        guard index < bytes.endIndex else { throw .badInfo("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var fields: [String: JSONValue] = [:]
            skipBlanks()
            if take(UInt8(ascii: "}")) { return .object(fields) }
            repeat {
                skipBlanks()
                let key = try readString()
                skipBlanks()
                guard take(UInt8(ascii: ":")) else { throw .badInfo("expected ':'") }
                fields[key] = try readValue(depth: depth + 1)
                skipBlanks()
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { throw .badInfo("expected '}'") }
            return .object(fields)
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            skipBlanks()
            if take(UInt8(ascii: "]")) { return .array(items) }
            repeat {
                items.append(try readValue(depth: depth + 1))
                skipBlanks()
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "]")) else { throw .badInfo("expected ']'") }
            return .array(items)
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            return .number(try readNumber())
        }
    }

    private mutating func readString() throws(NATSWireError) -> String {
        guard take(UInt8(ascii: "\"")) else { throw .badInfo("expected a string") }
        var out: [UInt8] = []
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.endIndex else { break }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard bytes.endIndex - index >= 4, let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                        throw .badInfo("bad \\u escape")
                    }
                    index += 4
                    // Surrogate halves are not needed in INFO: they become U+FFFD.
                    out.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                default: throw .badInfo("bad escape")
                }
            default:
                guard byte >= 0x20 else { throw .badInfo("control character in a string") }
                out.append(byte)
            }
        }
        throw .badInfo("unterminated string")
    }

    private mutating func readNumber() throws(NATSWireError) -> Double {
        let start = index
        while index < bytes.endIndex, Self.isNumberByte(bytes[index]) { index += 1 }
        guard index > start, index - start <= 32, let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else {
            throw .badInfo("expected a value")
        }
        return value
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    private mutating func literal(_ word: String) throws(NATSWireError) {
        let utf8 = Array(word.utf8)
        guard bytes.endIndex - index >= utf8.count, bytes[index..<index + utf8.count].elementsEqual(utf8) else {
            throw .badInfo("expected \(word)")
        }
        index += utf8.count
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.endIndex, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipBlanks() {
        while index < bytes.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }
}
