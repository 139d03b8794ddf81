import CSodium

/// crypto_box_afternm (XSalsa20-Poly1305) for one direction of CurveZMQ MESSAGE traffic, with
/// the HSalsa20 step done once per connection. XSalsa20 derives a subkey from the key and the
/// first 16 nonce bytes; every MESSAGE nonce in one direction starts with the same 16 bytes
/// ("CurveZMQMESSAGEC" or "...S"), so that subkey never changes, and a box costs only Salsa20
/// and Poly1305 (libzmq repeats HSalsa20 per message: about a fifth of a broker's CPU in fan-out).
/// The boxes are byte for byte those of crypto_box_easy_afternm with the full 24-byte nonce.
final class MessageBoxKey {
    private let subkey: SecretBytes

    init(sharedKey: SecretBytes, prefix: StaticString) {
        precondition(prefix.utf8CodeUnitCount == 16, "the fixed part of a MESSAGE nonce is 16 bytes")
        subkey = SecretBytes(count: 32) { out in
            sharedKey.withBytes { k in _ = crypto_core_hsalsa20(out, prefix.utf8Start, k, nil) }
        }
    }

    /// Seals in place: `box` holds 16 bytes for the MAC, then `plainCount` bytes of plaintext
    /// that become ciphertext. `counter` is the 8-byte nonce suffix.
    func seal(_ box: UnsafeMutablePointer<UInt8>, plainCount: Int, counter: UnsafePointer<UInt8>) {
        withFirstBlock(counter) { block in
            let text = box + Sodium.macBytes
            xor(text, text, count: plainCount, counter: counter, block: block)
            crypto_onetimeauth_poly1305(box, text, UInt64(plainCount), block)
        }
    }

    /// Opens `box` (MAC then `plainCount` bytes of ciphertext) into `plain`; false when the MAC
    /// does not match, in which case nothing was decrypted.
    func open(_ box: UnsafePointer<UInt8>, plainCount: Int, counter: UnsafePointer<UInt8>,
              into plain: UnsafeMutablePointer<UInt8>) -> Bool {
        withFirstBlock(counter) { block in
            let text = box + Sodium.macBytes
            guard crypto_onetimeauth_poly1305_verify(box, text, UInt64(plainCount), block) == 0 else { return false }
            xor(plain, text, count: plainCount, counter: counter, block: block)
            return true
        }
    }

    /// Runs `body` with Salsa20 keystream block 0: its first 32 bytes are the Poly1305 key,
    /// the other 32 encrypt the first 32 bytes of text. Wiped afterwards.
    private func withFirstBlock<R>(_ counter: UnsafePointer<UInt8>, _ body: (UnsafeMutablePointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            let block = buffer.baseAddress!
            subkey.withBytes { k in _ = crypto_stream_salsa20(block, 64, counter, k) }
            defer { sodium_memzero(block, 64) }
            return body(block)
        }
    }

    /// out = text XOR keystream from byte 32 on (the rest of block 0, then blocks 1...).
    private func xor(_ out: UnsafeMutablePointer<UInt8>, _ text: UnsafePointer<UInt8>, count: Int,
                     counter: UnsafePointer<UInt8>, block: UnsafeMutablePointer<UInt8>) {
        let head = min(32, count)
        for i in 0..<head { out[i] = text[i] ^ block[32 + i] }
        if count > 32 {
            subkey.withBytes { k in _ = crypto_stream_salsa20_xor_ic(out + 32, text + 32, UInt64(count - 32), counter, 1, k) }
        }
    }
}
