import ZMTP
@_spi(Engine) import ZMTPCore

/// Long-term CURVE keys fixed across runs, so a crashing input replays the same handshake
/// (transient keys and cookies are still random, as in the product).
package enum FixedKeys {
    package static let server = pair(seed: 0x53)
    package static let client = pair(seed: 0x43)

    private static func pair(seed: UInt8) -> CurveKeyPair {
        let secret = (0..<32).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0 &* 7) }
        // 32 bytes by construction: init(bytes:) cannot fail here.
        return CurveKeyPair(secretKey: try! CurveSecretKey(bytes: secret))
    }
}

/// The handshake context a socket of `type` gives its mechanism.
package func handshakeContext(_ type: SocketType, identity: [UInt8] = []) -> HandshakeContext {
    HandshakeContext(localMetadata: type.metadata(identity: identity), validatePeer: type.peerValidator())
}
