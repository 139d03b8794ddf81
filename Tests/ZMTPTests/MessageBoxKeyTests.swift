import Testing
@testable import ZMTP

/// The cached-subkey MESSAGE boxes must be byte for byte libsodium's crypto_box_easy_afternm.
@Suite struct MessageBoxKeyTests {
    static let prefix: StaticString = "CurveZMQMESSAGEC"

    @Test(arguments: [0, 1, 31, 32, 33, 63, 64, 65, 100, 1000, 65_537])
    func sealsAsCryptoBoxAndOpens(size: Int) throws {
        let shared = SecretBytes.random(count: 32)
        let key = MessageBoxKey(sharedKey: shared, prefix: Self.prefix)
        let plain = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 3) }
        let counter: [UInt8] = [0, 0, 0, 0, 0, 0, 1, 7]
        let nonce = Array("CurveZMQMESSAGEC".utf8) + counter

        var box = [UInt8](repeating: 0, count: 16) + plain
        box.withUnsafeMutableBufferPointer { b in
            counter.withUnsafeBufferPointer { key.seal(b.baseAddress!, plainCount: size, counter: $0.baseAddress!) }
        }
        #expect(box == Sodium.seal(plain, nonce: nonce, sharedKey: shared))

        var opened = [UInt8](repeating: 0, count: size)
        let ok = box.withUnsafeBufferPointer { b in
            opened.withUnsafeMutableBufferPointer { o in
                counter.withUnsafeBufferPointer { key.open(b.baseAddress!, plainCount: size, counter: $0.baseAddress!, into: o.baseAddress!) }
            }
        }
        #expect(ok && opened == plain)

        var tampered = box
        tampered[tampered.count - 1] ^= 1
        let refused = tampered.withUnsafeBufferPointer { b in
            opened.withUnsafeMutableBufferPointer { o in
                counter.withUnsafeBufferPointer { key.open(b.baseAddress!, plainCount: size, counter: $0.baseAddress!, into: o.baseAddress!) }
            }
        }
        #expect(!refused)
    }
}
