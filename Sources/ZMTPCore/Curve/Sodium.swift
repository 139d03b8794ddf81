import CSodium

/// Thin, typed access to the few libsodium primitives CURVE needs. Sizes are spelled out as
/// constants because CurveZMQ fixes them on the wire whatever libsodium's defaults are.
package enum Sodium {
    static let keyBytes = 32
    static let macBytes = 16
    static let nonceBytes = 24

    /// sodium_init must run once before any other call; every entry point below goes through it.
    private static let initialized: Bool = sodium_init() >= 0

    static func ensureInitialized() {
        // sodium_init fails only when the system has no usable entropy source; nothing can work then.
        precondition(initialized, "libsodium failed to initialise (no entropy source?)")
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return out
    }

    /// Constant-time equality of two byte sequences of the same length (different lengths: false).
    static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let x = Array(a), y = Array(b)
        guard x.count == y.count else { return false }
        return x.withUnsafeBytes { px in
            y.withUnsafeBytes { py in sodium_memcmp(px.baseAddress!, py.baseAddress!, x.count) == 0 }
        }
    }

    static func isZero(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { sodium_is_zero($0.bindMemory(to: UInt8.self).baseAddress!, bytes.count) == 1 }
    }

    /// Overwrites a scratch buffer that held secret material.
    package static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { if let p = $0.baseAddress { sodium_memzero(p, $0.count) } }
    }

    /// The 24-byte nonce: an ASCII prefix from the CurveZMQ table followed by its suffix.
    static func nonce(_ prefix: StaticString, _ suffix: some Collection<UInt8>) -> [UInt8] {
        var n = [UInt8](UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        n.append(contentsOf: suffix)
        precondition(n.count == nonceBytes, "CurveZMQ nonce prefix and suffix must make 24 bytes")
        return n
    }

    /// A fresh X25519 key pair: public bytes and the secret in zeroing storage.
    static func keyPair() -> (publicKey: [UInt8], secretKey: SecretBytes) {
        ensureInitialized()
        var pk = [UInt8](repeating: 0, count: keyBytes)
        let sk = SecretBytes(count: keyBytes) { skp in
            _ = pk.withUnsafeMutableBytes { crypto_box_keypair($0.bindMemory(to: UInt8.self).baseAddress!, skp) }
        }
        return (pk, sk)
    }

    /// crypto_box_easy: MAC(16) followed by the ciphertext, exactly the CurveZMQ wire form.
    static func seal(_ plaintext: [UInt8], nonce: [UInt8], to publicKey: [UInt8], from secretKey: SecretBytes) -> [UInt8] {
        ensureInitialized()
        var out = [UInt8](repeating: 0, count: plaintext.count + macBytes)
        let rc = secretKey.withBytes { sk in
            out.withUnsafeMutableBytes { c in
                crypto_box_easy(c.bindMemory(to: UInt8.self).baseAddress!, plaintext, UInt64(plaintext.count),
                                nonce, publicKey, sk)
            }
        }
        precondition(rc == 0, "crypto_box_easy failed on valid 32-byte keys")
        return out
    }

    /// crypto_box_open_easy; nil when the box does not authenticate.
    static func open(_ box: some Collection<UInt8>, nonce: [UInt8], from publicKey: [UInt8], to secretKey: SecretBytes) -> [UInt8]? {
        ensureInitialized()
        let c = Array(box)
        guard c.count >= macBytes else { return nil }
        var out = [UInt8](repeating: 0, count: c.count - macBytes)
        let rc = secretKey.withBytes { sk in
            out.withUnsafeMutableBytes { m in
                crypto_box_open_easy(m.bindMemory(to: UInt8.self).baseAddress, c, UInt64(c.count), nonce, publicKey, sk)
            }
        }
        return rc == 0 ? out : nil
    }

    /// crypto_secretbox_easy under a symmetric key (the cookie).
    static func secretSeal(_ plaintext: [UInt8], nonce: [UInt8], key: SecretBytes) -> [UInt8] {
        ensureInitialized()
        var out = [UInt8](repeating: 0, count: plaintext.count + macBytes)
        let rc = key.withBytes { k in
            out.withUnsafeMutableBytes { c in
                crypto_secretbox_easy(c.bindMemory(to: UInt8.self).baseAddress!, plaintext, UInt64(plaintext.count), nonce, k)
            }
        }
        precondition(rc == 0, "crypto_secretbox_easy failed")
        return out
    }

    static func secretOpen(_ box: some Collection<UInt8>, nonce: [UInt8], key: SecretBytes) -> [UInt8]? {
        ensureInitialized()
        let c = Array(box)
        guard c.count >= macBytes else { return nil }
        var out = [UInt8](repeating: 0, count: c.count - macBytes)
        let rc = key.withBytes { k in
            out.withUnsafeMutableBytes { m in
                crypto_secretbox_open_easy(m.bindMemory(to: UInt8.self).baseAddress, c, UInt64(c.count), nonce, k)
            }
        }
        return rc == 0 ? out : nil
    }

    /// crypto_box_beforenm: the shared key for (peer public, own secret), used by *_afternm.
    static func sharedKey(publicKey: [UInt8], secretKey: SecretBytes) -> SecretBytes? {
        ensureInitialized()
        var rc: Int32 = -1
        let k = SecretBytes(count: keyBytes) { kp in
            rc = secretKey.withBytes { sk in crypto_box_beforenm(kp, publicKey, sk) }
        }
        // beforenm refuses low-order public keys (an all-zero shared secret).
        return rc == 0 ? k : nil
    }

    /// crypto_box_easy_afternm with a precomputed key.
    static func seal(_ plaintext: [UInt8], nonce: [UInt8], sharedKey: SecretBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: plaintext.count + macBytes)
        let rc = sharedKey.withBytes { k in
            out.withUnsafeMutableBytes { c in
                crypto_box_easy_afternm(c.bindMemory(to: UInt8.self).baseAddress!, plaintext, UInt64(plaintext.count), nonce, k)
            }
        }
        precondition(rc == 0, "crypto_box_easy_afternm failed")
        return out
    }

    static func open(_ box: some Collection<UInt8>, nonce: [UInt8], sharedKey: SecretBytes) -> [UInt8]? {
        let c = Array(box)
        guard c.count >= macBytes else { return nil }
        var out = [UInt8](repeating: 0, count: c.count - macBytes)
        let rc = sharedKey.withBytes { k in
            out.withUnsafeMutableBytes { m in
                crypto_box_open_easy_afternm(m.bindMemory(to: UInt8.self).baseAddress, c, UInt64(c.count), nonce, k)
            }
        }
        return rc == 0 ? out : nil
    }
}

/// Fixed-size secret bytes (long-term or transient secret keys, the cookie key, shared keys),
/// wiped with sodium_memzero when the last reference goes. Written once at init, then read-only,
/// which is what makes sharing it across threads safe.
package final class SecretBytes: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<UInt8>
    let count: Int

    /// `fill` writes the secret straight into the storage so it never sits in a Swift array.
    init(count: Int, fill: (UnsafeMutablePointer<UInt8>) throws -> Void) rethrows {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)
        do { try fill(storage) } catch { sodium_memzero(storage, count); storage.deallocate(); throw error }
    }

    package convenience init(copying bytes: some Collection<UInt8>) {
        let a = Array(bytes)
        self.init(count: a.count) { p in
            for (i, b) in a.enumerated() { p[i] = b }
        }
    }

    static func random(count: Int) -> SecretBytes {
        Sodium.ensureInitialized()
        return SecretBytes(count: count) { randombytes_buf($0, count) }
    }

    func withBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage))
    }

    /// A copy in a Swift array, for writing the secret out (key files, Z85); the caller wipes it.
    func copyBytes() -> [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    deinit {
        sodium_memzero(storage, count)
        storage.deallocate()
    }
}
