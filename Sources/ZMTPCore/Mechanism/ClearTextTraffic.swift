/// A mechanism whose traffic is plain ZMTP framing after its handshake (NULL and PLAIN): the
/// engine moves such frames as they are, without calling the mechanism per frame.
@_spi(Engine) public protocol ClearTextTraffic: SecurityMechanism {}

extension ClearTextTraffic {
    @inline(__always)
    public func encodeFrame(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) throws {
        Self.appendFrame(body, more: more, command: command, into: &out)
    }

    public func encodeMessages(_ messages: inout FramedMessages, into out: inout [UInt8]) throws {
        messages.drainFrames { body, more in Self.appendFrame(body, more: more, command: false, into: &out) }
    }

    /// Plain ZMTP framing of one frame, for both encoders (it does not throw, so the batch's
    /// closure does not either).
    @inline(__always)
    private static func appendFrame(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) {
        WireFrame.append(flags: (more ? WireFrame.more : 0) | (command ? WireFrame.command : 0), body: body, into: &out)
    }

    @inline(__always)
    public func decodeFrame(flags: UInt8, body: UnsafeRawBufferPointer) throws -> WireFrame {
        WireFrame(flags: flags, body: Array(body))
    }

    public var framePayloadOffset: Int { 0 }

    public func decodeFrame(flags: UInt8, envelope: UnsafeRawBufferPointer, payload: inout [UInt8]) throws -> UInt8 {
        flags & (WireFrame.more | WireFrame.command)
    }
}
