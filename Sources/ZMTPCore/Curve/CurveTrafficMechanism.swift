/// A CURVE mechanism, client or server: once its handshake completed, both sides carry frames
/// the same way, as MESSAGE boxes of their `traffic`.
@_spi(Engine) public protocol CurveTrafficMechanism: SecurityMechanism {
    /// Set when the handshake completed; nil before.
    var traffic: CurveTraffic? { get }
}

extension CurveTrafficMechanism {
    public func encodeFrame(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) throws {
        try sending().encode(body, more: more, command: command, into: &out)
    }

    public func encodeMessages(_ messages: inout FramedMessages, into out: inout [UInt8]) throws {
        let traffic = try sending()
        messages.drainFrames { body, more in traffic.encode(body, more: more, command: false, into: &out) }
    }

    public func decodeFrame(flags: UInt8, body: UnsafeRawBufferPointer) throws -> WireFrame {
        try established().decode(body)
    }

    public var framePayloadOffset: Int { CurveTraffic.minimumSize }

    public func decodeFrame(flags: UInt8, envelope: UnsafeRawBufferPointer, payload: inout [UInt8]) throws -> UInt8 {
        try established().decode(envelope: envelope, payload: &payload)
    }

    /// The traffic state to send with, which is refused before the handshake completed.
    private func sending() throws -> CurveTraffic {
        guard let traffic else { throw ZMTPError.badMessage("cannot send before the CURVE handshake completes") }
        return traffic
    }

    /// The traffic state for a received MESSAGE, which is refused before the handshake completed.
    private func established() throws -> CurveTraffic {
        guard let traffic else { throw ZMTPError.badMessage("MESSAGE received before the CURVE handshake completed") }
        return traffic
    }
}
