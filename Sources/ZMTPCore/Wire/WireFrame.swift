/// One ZMTP 3.x frame: flags(1) | size(1, or 8 BE when LONG) | body.
@_spi(Engine) public struct WireFrame: Equatable, Sendable {
    public static let more: UInt8 = 0x01
    public static let long: UInt8 = 0x02
    public static let command: UInt8 = 0x04
    static let reserved: UInt8 = 0xF8

    /// Only MORE and COMMAND are kept; LONG is a property of the encoding, not of the frame.
    public var flags: UInt8
    public var body: [UInt8]

    public init(flags: UInt8 = 0, body: [UInt8]) {
        self.flags = flags & (WireFrame.more | WireFrame.command)
        self.body = body
    }

    public var hasMore: Bool { flags & WireFrame.more != 0 }
    public var isCommand: Bool { flags & WireFrame.command != 0 }

    /// Appends the wire form of a frame to `out`, choosing LONG only above 255 bytes as libzmq does.
    @inlinable
    public static func append(flags: UInt8, body: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        if body.count <= 255 {
            out.append(flags)
            out.append(UInt8(body.count))
        } else {
            out.append(flags | WireFrame.long)
            out.appendBE(UInt64(body.count))
        }
        out.append(contentsOf: body)
    }

    public static func append(flags: UInt8, body: [UInt8], into out: inout [UInt8]) {
        body.withUnsafeBytes { append(flags: flags, body: $0, into: &out) }
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        WireFrame.append(flags: flags, body: body, into: &out)
        return out
    }
}
