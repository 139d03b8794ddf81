/// What every security mechanism tells the engine: its name on the wire, the handshake as a
/// command-in/commands-out state machine, and how application frames are carried afterwards.
/// Mechanisms are sans-I/O: no sockets, clocks or threads. One instance serves one connection.
@_spi(Engine) public protocol SecurityMechanism: AnyObject {
    /// The 20-byte greeting field, e.g. "NULL", "CURVE".
    var name: String { get }

    /// Commands to send as soon as the greetings are exchanged (may be empty: a CURVE server waits).
    func start() throws -> [Command]

    /// Feeds one handshake command from the peer; returns the commands to send in reply.
    /// Throws to refuse the peer; the engine then closes the connection.
    func receive(_ command: Command) throws -> [Command]

    /// True once the handshake is complete in both directions: messages may flow.
    var isComplete: Bool { get }

    /// The peer's metadata, available once `isComplete`.
    var peerMetadata: Metadata { get }

    /// An ERROR command to send before closing when `receive` threw, if the mechanism
    /// wants the peer told (CURVE server refusing a client key); nil to close silently.
    func refusal(for error: Error) -> Command?

    /// Appends one application frame (or a traffic command such as PING, with `command`)
    /// to `out` in its wire form: plain ZMTP framing for NULL, a MESSAGE box for CURVE.
    func encodeFrame(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) throws

    /// Turns one wire frame received after the handshake (its flags and body, still in the read
    /// buffer) into the logical frame it carries. NULL passes it through; CURVE opens a MESSAGE
    /// box and checks its nonce. (The engine skips this call for NULL.)
    func decodeFrame(flags: UInt8, body: UnsafeRawBufferPointer) throws -> WireFrame

    /// Bytes at the start of a traffic frame's wire body that come before its payload (CURVE:
    /// the MESSAGE name, nonce, MAC and sealed flags byte; NULL: none). The engine reads a large
    /// frame's payload into the array it will deliver and keeps these bytes apart.
    var framePayloadOffset: Int { get }

    /// `decodeFrame` for a large frame read in those two parts: opens `payload` in place and
    /// returns the logical frame's flags (MORE, COMMAND).
    func decodeFrame(flags: UInt8, envelope: UnsafeRawBufferPointer, payload: inout [UInt8]) throws -> UInt8
}

/// What a mechanism needs from its connection: the metadata we announce and the check that the
/// peer's metadata (Socket-Type) is acceptable. The check runs inside the handshake, as libzmq does.
@_spi(Engine) public struct HandshakeContext {
    public var localMetadata: Metadata
    public var validatePeer: (Metadata) throws -> Void

    public init(localMetadata: Metadata, validatePeer: @escaping (Metadata) throws -> Void) {
        self.localMetadata = localMetadata
        self.validatePeer = validatePeer
    }
}
