/// MESSAGE boxes after a CURVE handshake (RFC 26): `07 "MESSAGE" | nonce(8) | box(flags + body)`,
/// sealed with the precomputed transient shared key. One per connection, both directions.
/// The hot path allocates only the decoded payload: frames are sealed straight into the output
/// buffer and boxes are opened in the payload array.
@_spi(Engine) public final class CurveTraffic {
    /// `07 "MESSAGE"` read as one little-endian word, so checking the name is one comparison.
    static let messageNameWord: UInt64 = 0x4547_4153_5345_4D07
    /// name(8) + short nonce(8) + MAC(16) + inner flags(1)
    static let minimumSize = 33

    // Inner flag bits. COMMAND is libzmq's (spec 26 lists it as reserved): PING/PONG/SUBSCRIBE.
    static let innerMore: UInt8 = 0x01
    static let innerCommand: UInt8 = 0x02

    private let sendKey: MessageBoxKey
    private let receiveKey: MessageBoxKey
    /// Next nonce we send; continues the counter used in the handshake.
    private(set) var sendNonce: UInt64
    /// Highest nonce accepted from the peer (its last handshake nonce at first).
    private(set) var lastReceivedNonce: UInt64

    init(sharedKey: SecretBytes, sendPrefix: StaticString, receivePrefix: StaticString, sendNonce: UInt64, lastReceivedNonce: UInt64) {
        sendKey = MessageBoxKey(sharedKey: sharedKey, prefix: sendPrefix)
        receiveKey = MessageBoxKey(sharedKey: sharedKey, prefix: receivePrefix)
        self.sendNonce = sendNonce
        self.lastReceivedNonce = lastReceivedNonce
    }

    /// Appends the wire frame (outer flags 0x00, or 0x02 when long: never COMMAND or MORE, as
    /// libzmq does, digest P14), sealing `body` from where it lies into `out`'s spare capacity.
    func encode(_ body: UnsafeRawBufferPointer, more: Bool, command: Bool, into out: inout [UInt8]) {
        let flags = (more ? Self.innerMore : 0) | (command ? Self.innerCommand : 0)
        // append(contentsOf:) grows `out` geometrically (reserveCapacity per message would
        // grow it to the exact size each time: a quadratic copy).
        out.append(contentsOf: SealedFrame(key: .passUnretained(sendKey), nonce: sendNonce, flags: flags, body: body))
        sendNonce += 1
    }

    /// Opens one MESSAGE: size first, then name, nonce order, then the box. The outer flags are
    /// ignored (libzmq sends 0; some peers set COMMAND); MORE and COMMAND come from the inner byte.
    func decode(_ body: UnsafeRawBufferPointer) throws -> WireFrame {
        let n = try checkEnvelope(body)
        let bytes = body.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let payloadCount = body.count - Self.minimumSize
        var inner: UInt8?
        let payload = Self.makePayload(count: payloadCount, overwriting: bytes + Self.minimumSize) { plain in
            inner = receiveKey.open(bytes + 16, payloadCount: payloadCount, counter: bytes + 8, into: plain)
            return inner != nil
        }
        guard let inner else { throw ZMTPError.badMessage("MESSAGE box does not open: corrupted or forged") }
        lastReceivedNonce = n
        let flags = (inner & Self.innerMore != 0 ? WireFrame.more : 0) | (inner & Self.innerCommand != 0 ? WireFrame.command : 0)
        return WireFrame(flags: flags, body: payload)
    }

    /// Payloads from this size up are decrypted straight into uninitialized memory, one pass
    /// over it; smaller ones into a copy of their ciphertext (`template`) that `fill` overwrites:
    /// an array made from a buffer is specialized code, while an uninitialized one costs a
    /// generic runtime call, about 370 instructions more per message.
    static let uninitializedPayloadSize = 4096

    /// An array of `count` bytes written by `fill`, which returns false when it wrote nothing
    /// (the array is then thrown away).
    private static func makePayload(count: Int, overwriting template: UnsafePointer<UInt8>,
                                    _ fill: (UnsafeMutablePointer<UInt8>?) -> Bool) -> [UInt8] {
        if count >= uninitializedPayloadSize {
            return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                initialized = fill(buffer.baseAddress) ? count : 0
            }
        }
        var payload = Array(UnsafeBufferPointer(start: template, count: count))
        _ = payload.withUnsafeMutableBufferPointer { fill($0.baseAddress) }
        return payload
    }

    /// Opens a large MESSAGE read in two parts: `envelope` (name, nonce, MAC, sealed flags byte:
    /// `minimumSize` bytes) and `payload`, decrypted in place, so the array the engine read it
    /// into is the one delivered. Returns the frame's flags (MORE, COMMAND).
    func decode(envelope: UnsafeRawBufferPointer, payload: inout [UInt8]) throws -> UInt8 {
        let n = try checkEnvelope(envelope)
        let base = envelope.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let inner = payload.withUnsafeMutableBufferPointer { bytes in
            receiveKey.open(mac: base + 16, sealedFlags: base[32], payloadInPlace: bytes.baseAddress, count: bytes.count, counter: base + 8)
        }
        guard let inner else { throw ZMTPError.badMessage("MESSAGE box does not open: corrupted or forged") }
        lastReceivedNonce = n
        return (inner & Self.innerMore != 0 ? WireFrame.more : 0) | (inner & Self.innerCommand != 0 ? WireFrame.command : 0)
    }

    /// Checks size, name and nonce order (in that order); returns the nonce.
    private func checkEnvelope(_ body: UnsafeRawBufferPointer) throws -> UInt64 {
        guard body.count >= Self.minimumSize else {
            throw ZMTPError.badMessage("CURVE MESSAGE must be at least \(Self.minimumSize) bytes, got \(body.count)")
        }
        guard UInt64(littleEndian: body.loadUnaligned(as: UInt64.self)) == Self.messageNameWord else {
            throw ZMTPError.badMessage("expected a CURVE MESSAGE after the handshake, got another frame")
        }
        let n = UInt64(bigEndian: body.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        guard n > lastReceivedNonce else {
            throw ZMTPError.badMessage("MESSAGE nonce \(n) is not above the last accepted \(lastReceivedNonce): replayed or reordered")
        }
        return n
    }
}

/// One MESSAGE wire frame, for `Array.append(contentsOf:)` only: the array reserves
/// `underestimatedCount` bytes and calls `_copyContents`, which writes the frame header, name and
/// nonce and seals the payload into that spare capacity, so `out` grows without a staging copy.
/// Never iterated element by element (its iterator is empty).
private struct SealedFrame: Sequence {
    /// Unretained: the frame lives only inside one `append(contentsOf:)` of `CurveTraffic.encode`,
    /// whose traffic holds the key; a strong reference cost a retain and a release per frame.
    let key: Unmanaged<MessageBoxKey>
    let nonce: UInt64
    let flags: UInt8
    let body: UnsafeRawBufferPointer

    private var size: Int { CurveTraffic.minimumSize + body.count }
    private var headerSize: Int { size <= 255 ? 2 : 9 }
    var underestimatedCount: Int { headerSize + size }

    func makeIterator() -> EmptyCollection<UInt8>.Iterator { EmptyCollection.Iterator() }

    func _copyContents(initializing buffer: UnsafeMutableBufferPointer<UInt8>) -> (EmptyCollection<UInt8>.Iterator, Int) {
        let total = underestimatedCount
        precondition(buffer.count >= total, "SealedFrame is written whole by Array.append(contentsOf:)")
        let frame = UnsafeMutableRawPointer(buffer.baseAddress!)
        if size <= 255 {
            frame.storeBytes(of: 0, as: UInt8.self)
            frame.storeBytes(of: UInt8(size), toByteOffset: 1, as: UInt8.self)
        } else {
            frame.storeBytes(of: WireFrame.long, as: UInt8.self)
            frame.storeBytes(of: UInt64(size).bigEndian, toByteOffset: 1, as: UInt64.self)
        }
        let message = frame + headerSize
        message.storeBytes(of: CurveTraffic.messageNameWord.littleEndian, as: UInt64.self)
        message.storeBytes(of: nonce.bigEndian, toByteOffset: 8, as: UInt64.self)
        let bytes = message.assumingMemoryBound(to: UInt8.self)
        key._withUnsafeGuaranteedRef { $0.seal(flags: flags, payload: body, counter: bytes + 8, into: bytes + 16) }
        return (makeIterator(), total)
    }
}
