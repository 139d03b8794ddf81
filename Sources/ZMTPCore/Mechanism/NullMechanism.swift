/// The NULL mechanism: each side sends READY with its metadata; the handshake is complete once
/// READY has been both sent and received. Traffic is plain ZMTP framing.
@_spi(Engine) public final class NullMechanism: SecurityMechanism {
    public let name = "NULL"
    private let context: HandshakeContext
    private var receivedReady = false
    public private(set) var peerMetadata = Metadata()

    public init(context: HandshakeContext) { self.context = context }

    public var isComplete: Bool { receivedReady }

    public func start() throws -> [Command] { [Command.ready(context.localMetadata)] }

    public func receive(_ command: Command) throws -> [Command] {
        switch command.name {
        case "READY" where !receivedReady:
            let metadata = try Metadata.decode(command.data)
            try context.validatePeer(metadata)
            peerMetadata = metadata
            receivedReady = true
            return []
        case "ERROR":
            throw ZMTPError.peerError(reason: (try? Command.errorReason(command.data)) ?? "(malformed ERROR)")
        default:
            throw ZMTPError.unexpectedCommand("\(command.name) during the NULL handshake")
        }
    }

    public func refusal(for error: Error) -> Command? { nil }

    @inline(__always)
    public func encodeFrame(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) throws {
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
