/// Every way a peer can violate the protocol, or a local limit can refuse it.
/// A connection that raises one of these is closed; the error says why.
public enum ZMTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Greeting byte 0 is not 0xFF or byte 9 bit 0 is clear: a ZMTP 1.0 peer.
    case badSignature
    /// The peer speaks a ZMTP major version below 3 (1.0/2.0 are refused: no downgrade).
    case unsupportedVersion(major: UInt8)
    case mechanismMismatch(local: String, peer: String)
    /// Reserved flag bits set, or a long size with the top bit set.
    case malformedFrame(String)
    /// A frame larger than the configured maximum message size.
    case frameTooLarge(size: UInt64, limit: Int)
    /// A message with more frames than the configured maximum.
    case tooManyFrames(limit: Int)
    case malformedCommand(String)
    /// A command that is not expected in the current state.
    case unexpectedCommand(String)
    case malformedMetadata(String)
    case incompatibleSocketType(local: String, peer: String)
    /// The peer sent an ERROR command during the handshake.
    case peerError(reason: String)
    /// The mechanism refused the handshake (bad box, wrong key, not authorized...).
    case handshakeFailed(String)
    /// Traffic that fails authentication or arrives out of order (CURVE).
    case badMessage(String)
    case handshakeTimeout
    /// Dropped at the cap of connections in handshake: it took no step for the stall limit
    /// while newer connections waited.
    case handshakeStalled
    case heartbeatTimeout
    /// More handshake bytes than the pre-handshake budget allows.
    case handshakeBudgetExceeded(limit: Int)
    /// The connection ended before the handshake completed (libzmq closes silently when it
    /// cannot open a CURVE HELLO, which is what a wrong server key looks like to a client).
    case closedDuringHandshake(String)

    public var description: String {
        switch self {
        case .badSignature: return "greeting signature is not ZMTP 3 (0xFF ... 0x7F)"
        case .unsupportedVersion(let m): return "peer announced protocol revision \(m) (ZMTP 1.0/2.0); only ZMTP 3.0 and later are accepted"
        case .mechanismMismatch(let l, let p): return "security mechanism mismatch: we use \(l), peer uses \(p)"
        case .malformedFrame(let s): return "malformed frame: \(s)"
        case .frameTooLarge(let s, let l): return "frame of \(s) bytes exceeds the maximum message size \(l)"
        case .tooManyFrames(let l): return "message has more than \(l) frames"
        case .malformedCommand(let s): return "malformed command: \(s)"
        case .unexpectedCommand(let s): return "unexpected command: \(s)"
        case .malformedMetadata(let s): return "malformed metadata: \(s)"
        case .incompatibleSocketType(let l, let p): return "socket type \(p) cannot talk to \(l)"
        case .peerError(let r): return "peer refused the handshake: \(r)"
        case .handshakeFailed(let s): return "handshake failed: \(s)"
        case .badMessage(let s): return "bad message: \(s)"
        case .handshakeTimeout: return "handshake did not complete in time"
        case .handshakeStalled: return "handshake stalled while other connections waited to be admitted"
        case .heartbeatTimeout: return "peer silent past the heartbeat timeout"
        case .handshakeBudgetExceeded(let l): return "peer sent more than \(l) bytes before the handshake completed"
        case .closedDuringHandshake(let why):
            return "connection closed during the handshake (\(why)); with CURVE, check the server public key"
        }
    }
}
