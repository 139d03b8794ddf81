/// ZMTP metadata: the properties carried by READY (NULL), INITIATE and READY (CURVE).
/// Wire form per property: name-len(1) | name | value-len(4, BE, <= 0x7FFFFFFF) | value.
/// Names are compared case-sensitively, as libzmq does.
@_spi(Engine) public struct Metadata: Equatable, Sendable {
    public var properties: [(name: String, value: [UInt8])]

    public init(_ properties: [(name: String, value: [UInt8])] = []) { self.properties = properties }

    public static func == (a: Metadata, b: Metadata) -> Bool {
        a.properties.count == b.properties.count
            && zip(a.properties, b.properties).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public subscript(name: String) -> [UInt8]? {
        properties.first(where: { $0.name == name })?.value
    }

    public var socketType: String? { self["Socket-Type"].map { String(decoding: $0, as: UTF8.self) } }
    public var identity: [UInt8]? { self["Identity"] }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    public func encode(into out: inout [UInt8]) {
        for (name, value) in properties {
            let n = Array(name.utf8)
            precondition(!n.isEmpty && n.count <= 255, "metadata name must be 1...255 bytes")
            out.append(UInt8(n.count))
            out.append(contentsOf: n)
            out.appendBE(UInt32(value.count))
            out.append(contentsOf: value)
        }
    }

    /// Parses properties from `bytes`; any length that runs past the end is an error.
    public static func decode<C: Collection>(_ bytes: C) throws -> Metadata where C.Element == UInt8, C.Index == Int {
        var props: [(name: String, value: [UInt8])] = []
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let nameLen = Int(bytes[i]); i += 1
            guard nameLen > 0 else { throw ZMTPError.malformedMetadata("empty property name") }
            guard end - i >= nameLen + 4 else { throw ZMTPError.malformedMetadata("property name or value length runs past the end") }
            let name = String(decoding: bytes[i..<(i + nameLen)], as: UTF8.self); i += nameLen
            let valueLen = bytes.readBE(at: i, count: 4); i += 4
            guard valueLen <= 0x7FFF_FFFF, UInt64(end - i) >= valueLen else {
                throw ZMTPError.malformedMetadata("value of \(name) declares \(valueLen) bytes, \(end - i) remain")
            }
            props.append((name, Array(bytes[i..<(i + Int(valueLen))]))); i += Int(valueLen)
        }
        return Metadata(props)
    }
}
