import Testing
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// The cached-subkey MESSAGE boxes must be byte for byte libsodium's crypto_box_easy_afternm.
@Suite struct MessageBoxKeyTests {
    static let prefix: StaticString = "CurveZMQMESSAGEC"

    /// Payload sizes around the edges of Salsa20 block 0 (the flags byte + 31 payload bytes).
    @Test(arguments: [0, 1, 30, 31, 32, 33, 63, 64, 65, 100, 1000, 65_537])
    func sealsAsCryptoBoxAndOpens(size: Int) throws {
        let shared = SecretBytes.random(count: 32)
        let key = MessageBoxKey(sharedKey: shared, prefix: Self.prefix)
        let flags: UInt8 = 0x03
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 3) }
        let counter: [UInt8] = [0, 0, 0, 0, 0, 0, 1, 7]
        let nonce = Array("CurveZMQMESSAGEC".utf8) + counter

        var box = [UInt8](repeating: 0, count: 16 + 1 + size)
        box.withUnsafeMutableBufferPointer { b in
            payload.withUnsafeBytes { p in
                counter.withUnsafeBufferPointer { key.seal(flags: flags, payload: p, counter: $0.baseAddress!, into: b.baseAddress!) }
            }
        }
        #expect(box == Sodium.seal([flags] + payload, nonce: nonce, sharedKey: shared))

        let opened = try #require(open(box, key: key, counter: counter))
        #expect(opened.flags == flags && opened.payload == payload)
        var tampered = box
        tampered[tampered.count - 1] ^= 1
        #expect(open(tampered, key: key, counter: counter) == nil)

        // The same box read in two parts (MAC and flags apart, the payload opened in place).
        #expect(openInPlace(box, key: key, counter: counter)?.payload == payload)
        #expect(openInPlace(box, key: key, counter: counter)?.flags == flags)
        var badFlags = box
        badFlags[16] ^= 1
        #expect(openInPlace(badFlags, key: key, counter: counter) == nil)
        #expect(openInPlace(tampered, key: key, counter: counter) == nil)
    }

    private func openInPlace(_ box: [UInt8], key: MessageBoxKey, counter: [UInt8]) -> (flags: UInt8, payload: [UInt8])? {
        var payload = Array(box[17...])
        let sealed = payload
        let flags = box.withUnsafeBufferPointer { b in
            payload.withUnsafeMutableBufferPointer { p in
                counter.withUnsafeBufferPointer {
                    key.open(mac: b.baseAddress!, sealedFlags: b[16], payloadInPlace: p.baseAddress, count: p.count, counter: $0.baseAddress!)
                }
            }
        }
        if flags == nil && payload != sealed { return (0xFF, []) }  // refused boxes must be left as they were
        return flags.map { ($0, payload) }
    }

    private func open(_ box: [UInt8], key: MessageBoxKey, counter: [UInt8]) -> (flags: UInt8, payload: [UInt8])? {
        var payload = [UInt8](repeating: 0, count: box.count - 17)
        let flags = box.withUnsafeBufferPointer { b in
            payload.withUnsafeMutableBufferPointer { p in
                counter.withUnsafeBufferPointer {
                    key.open(b.baseAddress!, payloadCount: p.count, counter: $0.baseAddress!, into: p.baseAddress)
                }
            }
        }
        return flags.map { ($0, payload) }
    }
}
