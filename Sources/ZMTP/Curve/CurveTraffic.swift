import CSodium

/// MESSAGE boxes after a CURVE handshake (RFC 26): `07 "MESSAGE" | nonce(8) | box(flags + body)`,
/// sealed with the precomputed transient shared key. One per connection, both directions.
final class CurveTraffic {
    static let messageName: [UInt8] = [7] + Array("MESSAGE".utf8)
    /// name(8) + short nonce(8) + MAC(16) + inner flags(1)
    static let minimumSize = 33

    // Inner flag bits. COMMAND is libzmq's (spec 26 lists it as reserved): PING/PONG/SUBSCRIBE.
    static let innerMore: UInt8 = 0x01
    static let innerCommand: UInt8 = 0x02

    let sharedKey: SecretBytes
    let sendPrefix: StaticString
    let receivePrefix: StaticString
    /// Next nonce we send; continues the counter used in the handshake.
    var sendNonce: UInt64
    /// Highest nonce accepted from the peer (its last handshake nonce at first).
    var lastReceivedNonce: UInt64

    init(sharedKey: SecretBytes, sendPrefix: StaticString, receivePrefix: StaticString, sendNonce: UInt64, lastReceivedNonce: UInt64) {
        self.sharedKey = sharedKey
        self.sendPrefix = sendPrefix
        self.receivePrefix = receivePrefix
        self.sendNonce = sendNonce
        self.lastReceivedNonce = lastReceivedNonce
    }

    /// Appends the wire frame (outer flags 0x00, or 0x02 when long: never COMMAND or MORE, as
    /// libzmq does, digest P14) sealing `body` in place in `out`: one copy of the payload.
    func encode(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) {
        let plainCount = 1 + body.count
        let size = Self.minimumSize + body.count
        out.reserveCapacity(out.count + 9 + size)
        if size <= 255 {
            out.append(0)
            out.append(UInt8(size))
        } else {
            out.append(WireFrame.long)
            out.appendBE(UInt64(size))
        }
        out.append(contentsOf: Self.messageName)
        var suffix: [UInt8] = []
        suffix.appendBE(sendNonce)
        out.append(contentsOf: suffix)
        let nonce = Sodium.nonce(sendPrefix, suffix)
        sendNonce += 1
        let boxStart = out.count
        out.append(contentsOf: repeatElement(0, count: Sodium.macBytes))
        out.append((more ? Self.innerMore : 0) | (command ? Self.innerCommand : 0))
        out.append(contentsOf: body)
        // libsodium's *_easy functions work in place when the plaintext sits right after the MAC.
        let rc = sharedKey.withBytes { k in
            out.withUnsafeMutableBytes { buf in
                let c = (buf.baseAddress! + boxStart).assumingMemoryBound(to: UInt8.self)
                return crypto_box_easy_afternm(c, c + Sodium.macBytes, UInt64(plainCount), nonce, k)
            }
        }
        precondition(rc == 0, "crypto_box_easy_afternm failed")
    }

    /// Opens one MESSAGE: size first, then name, nonce order, then the box. The outer flags are
    /// ignored (libzmq sends 0; some peers set COMMAND); MORE and COMMAND come from the inner byte.
    func decode(_ frame: WireFrame) throws -> WireFrame {
        let body = frame.body
        guard body.count >= Self.minimumSize else {
            throw ZMTPError.badMessage("CURVE MESSAGE must be at least \(Self.minimumSize) bytes, got \(body.count)")
        }
        guard body[0..<8].elementsEqual(Self.messageName) else {
            throw ZMTPError.badMessage("expected a CURVE MESSAGE after the handshake, got another frame")
        }
        let n = body.readBE(at: 8, count: 8)
        guard n > lastReceivedNonce else {
            throw ZMTPError.badMessage("MESSAGE nonce \(n) is not above the last accepted \(lastReceivedNonce): replayed or reordered")
        }
        let nonce = Sodium.nonce(receivePrefix, body[8..<16])
        let boxCount = body.count - 16
        var rc: Int32 = -1
        var plain = [UInt8](unsafeUninitializedCapacity: boxCount - Sodium.macBytes) { dst, count in
            rc = sharedKey.withBytes { k in
                body.withUnsafeBufferPointer { src in
                    crypto_box_open_easy_afternm(dst.baseAddress, src.baseAddress! + 16, UInt64(boxCount), nonce, k)
                }
            }
            count = rc == 0 ? dst.count : 0
        }
        guard rc == 0 else { throw ZMTPError.badMessage("MESSAGE box does not open: corrupted or forged") }
        lastReceivedNonce = n
        let inner = plain.removeFirst()
        let flags = (inner & Self.innerMore != 0 ? WireFrame.more : 0) | (inner & Self.innerCommand != 0 ? WireFrame.command : 0)
        return WireFrame(flags: flags, body: plain)
    }
}
