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

    /// The peer's "User-Id" once `isComplete`: what the authenticator allowed, for a CURVE
    /// server without one the client key in Z85; nil when nobody authenticated the peer.
    var userID: String? { get }

    /// The body of an ERROR command frame to send before closing when `start` or `receive`
    /// threw, if the mechanism wants the peer told (a server refusing a client); nil to close
    /// silently. Bytes rather than a `Command`: PLAIN sends libzmq's ERROR, which is not one.
    func refusal(for error: Error) -> [UInt8]?

    /// Appends one application frame (or a traffic command such as PING, with `command`)
    /// to `out` in its wire form: plain ZMTP framing for NULL, a MESSAGE box for CURVE.
    func encodeFrame(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) throws

    /// Appends every whole message of `messages` to `out` in its wire form, as `encodeFrame`
    /// does frame by frame, and removes them. One call per batch, so that a mechanism can look
    /// up its traffic state once rather than once per frame.
    func encodeMessages(_ messages: inout FramedMessages, into out: inout [UInt8]) throws

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

/// What a mechanism needs from its connection: the metadata we announce, the check that the
/// peer's metadata (Socket-Type) is acceptable, and what an authenticator is told about the peer.
/// The check runs inside the handshake, as libzmq does.
@_spi(Engine) public struct HandshakeContext {
    public var localMetadata: Metadata
    public var validatePeer: (Metadata) throws -> Void
    /// `SocketOptions.authenticationDomain` (ZMQ_ZAP_DOMAIN).
    public var authenticationDomain: String
    /// The peer's numeric IP address, without the port; empty when unknown.
    public var peerAddress: String

    public init(localMetadata: Metadata, validatePeer: @escaping (Metadata) throws -> Void,
                authenticationDomain: String = "", peerAddress: String = "") {
        self.localMetadata = localMetadata
        self.validatePeer = validatePeer
        self.authenticationDomain = authenticationDomain
        self.peerAddress = peerAddress
    }
}
