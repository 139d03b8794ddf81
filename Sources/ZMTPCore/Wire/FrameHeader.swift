/// Parses a frame header from raw bytes without copying, so the engine can decide, before any
/// allocation, whether the declared size is acceptable.
@_spi(Engine) public struct FrameHeader: Equatable, Sendable {
    public var flags: UInt8
    public var headerSize: Int
    public var bodySize: UInt64

    /// Returns nil when `bytes` does not yet hold the whole header.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> FrameHeader? {
        guard bytes.count >= 2 else { return nil }
        let flags = bytes[0]
        guard flags & WireFrame.reserved == 0 else {
            throw ZMTPError.malformedFrame("reserved flag bits set in flags 0x\(String(flags, radix: 16))")
        }
        if flags & WireFrame.long == 0 {
            return FrameHeader(flags: flags, headerSize: 2, bodySize: UInt64(bytes[1]))
        }
        guard bytes.count >= 9 else { return nil }
        var size: UInt64 = 0
        for i in 1...8 { size = (size << 8) | UInt64(bytes[i]) }
        guard size >> 63 == 0 else { throw ZMTPError.malformedFrame("long frame size \(size) has the top bit set") }
        return FrameHeader(flags: flags, headerSize: 9, bodySize: size)
    }
}
