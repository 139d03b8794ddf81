import CSodium

/// MESSAGE boxes after a CURVE handshake (RFC 26): `07 "MESSAGE" | nonce(8) | box(flags + body)`,
/// sealed with the precomputed transient shared key. One per connection, both directions.
/// The hot path allocates only the decoded payload: nonces live in fixed buffers and boxes are
/// opened into a reusable scratch buffer.
final class CurveTraffic {
    static let messageName: [UInt8] = [7] + Array("MESSAGE".utf8)
    /// name(8) + short nonce(8) + MAC(16) + inner flags(1)
    static let minimumSize = 33
    static let mac = [UInt8](repeating: 0, count: Sodium.macBytes)

    // Inner flag bits. COMMAND is libzmq's (spec 26 lists it as reserved): PING/PONG/SUBSCRIBE.
    static let innerMore: UInt8 = 0x01
    static let innerCommand: UInt8 = 0x02

    private let sendKey: MessageBoxKey
    private let receiveKey: MessageBoxKey
    /// Next nonce we send; continues the counter used in the handshake.
    private(set) var sendNonce: UInt64
    /// Highest nonce accepted from the peer (its last handshake nonce at first).
    private(set) var lastReceivedNonce: UInt64
    /// The 8-byte counter part of the nonce being sent (the 16-byte prefix lives in the keys).
    private let sendCounter = UnsafeMutablePointer<UInt8>.allocate(capacity: 8)
    @exclusivity(unchecked) private var scratch: [UInt8] = []

    init(sharedKey: SecretBytes, sendPrefix: StaticString, receivePrefix: StaticString, sendNonce: UInt64, lastReceivedNonce: UInt64) {
        sendKey = MessageBoxKey(sharedKey: sharedKey, prefix: sendPrefix)
        receiveKey = MessageBoxKey(sharedKey: sharedKey, prefix: receivePrefix)
        self.sendNonce = sendNonce
        self.lastReceivedNonce = lastReceivedNonce
    }

    deinit {
        sendCounter.deallocate()
        Sodium.wipe(&scratch)
    }

    /// Appends the wire frame (outer flags 0x00, or 0x02 when long: never COMMAND or MORE, as
    /// libzmq does, digest P14) sealing `body` in place in `out`: one copy of the payload.
    func encode(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) {
        let plainCount = 1 + body.count
        let size = Self.minimumSize + body.count
        // No reserveCapacity here: it grows to exactly the size asked, so calling it per
        // message copied the whole pending output each time (quadratic); append doubles.
        if size <= 255 {
            out.append(0)
            out.append(UInt8(size))
        } else {
            out.append(WireFrame.long)
            out.appendBE(UInt64(size))
        }
        out.append(contentsOf: Self.messageName)
        writeBE(sendNonce, to: sendCounter)
        out.append(contentsOf: UnsafeBufferPointer(start: sendCounter, count: 8))
        sendNonce += 1
        let boxStart = out.count
        out.append(contentsOf: Self.mac)
        out.append((more ? Self.innerMore : 0) | (command ? Self.innerCommand : 0))
        out.append(contentsOf: body)
        out.withUnsafeMutableBytes { buf in
            sendKey.seal((buf.baseAddress! + boxStart).assumingMemoryBound(to: UInt8.self), plainCount: plainCount, counter: sendCounter)
        }
    }

    /// Opens one MESSAGE: size first, then name, nonce order, then the box. The outer flags are
    /// ignored (libzmq sends 0; some peers set COMMAND); MORE and COMMAND come from the inner byte.
    func decode(_ body: UnsafeRawBufferPointer) throws -> WireFrame {
        guard body.count >= Self.minimumSize else {
            throw ZMTPError.badMessage("CURVE MESSAGE must be at least \(Self.minimumSize) bytes, got \(body.count)")
        }
        guard body[0..<8].elementsEqual(Self.messageName) else {
            throw ZMTPError.badMessage("expected a CURVE MESSAGE after the handshake, got another frame")
        }
        var n: UInt64 = 0
        for i in 8..<16 { n = (n << 8) | UInt64(body[i]) }
        guard n > lastReceivedNonce else {
            throw ZMTPError.badMessage("MESSAGE nonce \(n) is not above the last accepted \(lastReceivedNonce): replayed or reordered")
        }
        let bytes = body.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let plainCount = body.count - 16 - Sodium.macBytes
        if scratch.count < plainCount { scratch = [UInt8](repeating: 0, count: Swift.max(plainCount, 2 * scratch.count)) }
        let opened = scratch.withUnsafeMutableBytes { dst in
            receiveKey.open(bytes + 16, plainCount: plainCount, counter: bytes + 8,
                            into: dst.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard opened else { throw ZMTPError.badMessage("MESSAGE box does not open: corrupted or forged") }
        lastReceivedNonce = n
        return scratch.withUnsafeBytes { plain in
            let inner = plain[0]
            let flags = (inner & Self.innerMore != 0 ? WireFrame.more : 0) | (inner & Self.innerCommand != 0 ? WireFrame.command : 0)
            return WireFrame(flags: flags, body: copyBytes(plain, from: 1, to: plainCount))
        }
    }

    private func writeBE(_ value: UInt64, to p: UnsafeMutablePointer<UInt8>) {
        for i in 0..<8 { p[i] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(i))) }
    }
}
