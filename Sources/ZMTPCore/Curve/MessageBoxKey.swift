import CSodium

/// crypto_box_afternm (XSalsa20-Poly1305) for one direction of CurveZMQ MESSAGE traffic, with
/// the HSalsa20 step done once per connection. XSalsa20 derives a subkey from the key and the
/// first 16 nonce bytes; every MESSAGE nonce in one direction starts with the same 16 bytes
/// ("CurveZMQMESSAGEC" or "...S"), so that subkey never changes, and a box costs only Salsa20
/// and Poly1305 (libzmq repeats HSalsa20 per message: about a fifth of a broker's CPU in fan-out).
/// The boxes are byte for byte those of crypto_box_easy_afternm with the full 24-byte nonce.
///
/// A MESSAGE box holds the inner flags byte followed by the payload. Both calls read the payload
/// (plain or sealed) where it lies and write the result straight to its destination.
final class MessageBoxKey {
    private let subkey: SecretBytes

    init(sharedKey: SecretBytes, prefix: StaticString) {
        precondition(prefix.utf8CodeUnitCount == 16, "the fixed part of a MESSAGE nonce is 16 bytes")
        subkey = SecretBytes(count: 32) { out in
            sharedKey.withBytes { k in _ = crypto_core_hsalsa20(out, prefix.utf8Start, k, nil) }
        }
    }

    /// Writes the box of `flags` + `payload` to `box`: the 16-byte MAC, then 1 + payload.count
    /// bytes of ciphertext. `counter` is the 8-byte nonce suffix.
    func seal(flags: UInt8, payload: UnsafeRawBufferPointer, counter: UnsafePointer<UInt8>, into box: UnsafeMutablePointer<UInt8>) {
        withFirstBlock(counter) { block in
            let text = box + Sodium.macBytes
            text[0] = flags ^ block[32]
            if let plain = payload.baseAddress?.assumingMemoryBound(to: UInt8.self) {
                xor(text + 1, plain, count: payload.count, counter: counter, block: block)
            }
            crypto_onetimeauth_poly1305(box, text, UInt64(1 + payload.count), block)
        }
    }

    /// Opens `box` (MAC, then 1 + `payloadCount` bytes of ciphertext): writes the payload to
    /// `payload` and returns the flags byte; nil when the MAC does not match, in which case
    /// nothing was written.
    func open(_ box: UnsafePointer<UInt8>, payloadCount: Int, counter: UnsafePointer<UInt8>,
              into payload: UnsafeMutablePointer<UInt8>?) -> UInt8? {
        withFirstBlock(counter) { block in
            let text = box + Sodium.macBytes
            guard crypto_onetimeauth_poly1305_verify(box, text, UInt64(1 + payloadCount), block) == 0 else { return nil }
            if let payload { xor(payload, text + 1, count: payloadCount, counter: counter, block: block) }
            return text[0] ^ block[32]
        }
    }

    /// `open` for a box whose MAC and sealed flags byte lie apart from its payload (a large
    /// frame the engine read straight into the payload's array): authenticates flags byte and
    /// payload together, then decrypts the payload in place. Nil, with nothing changed, when the
    /// MAC does not match.
    func open(mac: UnsafePointer<UInt8>, sealedFlags: UInt8, payloadInPlace payload: UnsafeMutablePointer<UInt8>?,
              count: Int, counter: UnsafePointer<UInt8>) -> UInt8? {
        withFirstBlock(counter) { block in
            var state = crypto_onetimeauth_poly1305_state()
            var computed = [UInt8](repeating: 0, count: Sodium.macBytes)
            var flags = sealedFlags
            crypto_onetimeauth_poly1305_init(&state, block)
            crypto_onetimeauth_poly1305_update(&state, &flags, 1)
            if let payload { crypto_onetimeauth_poly1305_update(&state, payload, UInt64(count)) }
            crypto_onetimeauth_poly1305_final(&state, &computed)
            sodium_memzero(&state, MemoryLayout<crypto_onetimeauth_poly1305_state>.size)
            guard crypto_verify_16(computed, mac) == 0 else { return nil }
            if let payload { xor(payload, payload, count: count, counter: counter, block: block) }
            return sealedFlags ^ block[32]
        }
    }

    /// Runs `body` with Salsa20 keystream block 0: its first 32 bytes are the Poly1305 key,
    /// the other 32 encrypt the flags byte and the first 31 payload bytes. Wiped afterwards.
    private func withFirstBlock<R>(_ counter: UnsafePointer<UInt8>, _ body: (UnsafeMutablePointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            let block = buffer.baseAddress!
            subkey.withBytes { k in _ = crypto_stream_salsa20(block, 64, counter, k) }
            defer { sodium_memzero(block, 64) }
            return body(block)
        }
    }

    /// out = payload XOR keystream from byte 33 on (the rest of block 0, then blocks 1...).
    /// Payload byte 31 is text byte 32, the start of block 1, so the stream call needs no offset.
    private func xor(_ out: UnsafeMutablePointer<UInt8>, _ payload: UnsafePointer<UInt8>, count: Int,
                     counter: UnsafePointer<UInt8>, block: UnsafeMutablePointer<UInt8>) {
        for i in 0..<min(31, count) { out[i] = payload[i] ^ block[33 + i] }
        if count > 31 {
            subkey.withBytes { k in _ = crypto_stream_salsa20_xor_ic(out + 31, payload + 31, UInt64(count - 31), counter, 1, k) }
        }
    }
}
