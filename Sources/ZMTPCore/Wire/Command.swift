/// A ZMTP command body: name-length(1) | name | data.
@_spi(Engine) public struct Command: Equatable, Sendable {
    public var name: String
    public var data: [UInt8]

    public init(name: String, data: [UInt8] = []) {
        self.name = name
        self.data = data
    }

    public func encoded() -> [UInt8] {
        let n = Array(name.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(1 + n.count + data.count)
        out.append(UInt8(n.count))
        out.append(contentsOf: n)
        out.append(contentsOf: data)
        return out
    }

    public static func decode<C: Collection>(_ body: C) throws -> Command where C.Element == UInt8, C.Index == Int {
        guard let first = body.first else { throw ZMTPError.malformedCommand("empty command frame") }
        let nameLen = Int(first)
        guard nameLen > 0, body.count >= 1 + nameLen else {
            throw ZMTPError.malformedCommand("name length \(nameLen) does not fit a \(body.count)-byte body")
        }
        let start = body.startIndex + 1
        return Command(name: String(decoding: body[start..<(start + nameLen)], as: UTF8.self),
                       data: Array(body[(start + nameLen)...]))
    }

    // The handful of commands the engine builds itself.

    public static func ready(_ metadata: Metadata) -> Command { Command(name: "READY", data: metadata.encoded()) }

    /// ERROR: reason-length(1) | reason (at most 255 bytes).
    public static func error(_ reason: String) -> Command {
        let r = Array(reason.utf8.prefix(255))
        return Command(name: "ERROR", data: [UInt8(r.count)] + r)
    }

    /// PING: TTL in deciseconds (uint16 BE, always present: libzmq reads it unchecked) | context.
    public static func ping(ttlDeciseconds: UInt16, context: [UInt8] = []) -> Command {
        var d: [UInt8] = []
        d.appendBE(ttlDeciseconds)
        d.append(contentsOf: context.prefix(16))
        return Command(name: "PING", data: d)
    }

    /// PONG echoes the PING context, cut to 16 bytes as libzmq does.
    public static func pong(context: [UInt8]) -> Command { Command(name: "PONG", data: Array(context.prefix(16))) }

    /// The reason carried by an ERROR command's data.
    public static func errorReason(_ data: [UInt8]) throws -> String {
        guard let len = data.first, data.count == 1 + Int(len) else {
            throw ZMTPError.malformedCommand("ERROR reason length does not match its body")
        }
        return String(decoding: data.dropFirst(), as: UTF8.self)
    }
}
