import Testing
@testable import ZMTP

@Suite struct Z85Tests {
    @Test func specVector() throws {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(try Z85.encode(bytes) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == bytes)
    }

    @Test func zeroKey() throws {
        let zeros = [UInt8](repeating: 0, count: 32)
        #expect(try Z85.encode(zeros) == String(repeating: "0", count: 40))
        #expect(try Z85.decode(String(repeating: "0", count: 40)) == zeros)
    }

    @Test func extremesOfAGroup() throws {
        #expect(try Z85.encode([0xFF, 0xFF, 0xFF, 0xFF]) == "%nSc0")
        #expect(try Z85.decode("%nSc0") == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try Z85.encode([]) == "")
        #expect(try Z85.decode("") == [])
    }

    @Test func roundTripsPseudoRandomData() throws {
        // A fixed xorshift sequence: varied bytes, same every run.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in stride(from: 0, through: 400, by: 4) {
            var bytes: [UInt8] = []
            for _ in 0..<length {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                bytes.append(UInt8(truncatingIfNeeded: state))
            }
            let text = try Z85.encode(bytes)
            #expect(text.count == length / 4 * 5)
            #expect(try Z85.decode(text) == bytes)
        }
    }

    @Test func binaryLengthMustBeMultipleOf4() {
        #expect(throws: Z85Error.binaryLengthNotMultipleOf4(3)) { try Z85.encode([1, 2, 3]) }
        #expect(throws: Z85Error.binaryLengthNotMultipleOf4(33)) { try Z85.encode([UInt8](repeating: 0, count: 33)) }
    }

    @Test func textLengthMustBeMultipleOf5() {
        #expect(throws: Z85Error.textLengthNotMultipleOf5(4)) { try Z85.decode("Hell") }
        #expect(throws: Z85Error.textLengthNotMultipleOf5(11)) { try Z85.decode("HelloWorld0") }
    }

    @Test func badCharacterIsNamedWithItsPosition() {
        #expect(throws: Z85Error.badCharacter("~", offset: 5)) { try Z85.decode("Hello~orld") }
        #expect(throws: Z85Error.badCharacter("\"", offset: 0)) { try Z85.decode("\"ello") }
        #expect(throws: Z85Error.badCharacter("é", offset: 1)) { try Z85.decode("Héllo") }
        #expect(throws: Z85Error.badCharacter(" ", offset: 4)) { try Z85.decode("Hell World") }
        #expect(Z85Error.badCharacter("~", offset: 5).description == "character '~' at position 6 is not in the Z85 alphabet")
        #expect(Z85Error.badCharacter("\n", offset: 0).description.contains("U+A"))
    }

    @Test func groupAbove32BitsIsRefused() {
        #expect(throws: Z85Error.groupOverflow(offset: 0)) { try Z85.decode("%nSc1") }
        #expect(throws: Z85Error.groupOverflow(offset: 5)) { try Z85.decode("00000#####") }
        #expect(Z85Error.groupOverflow(offset: 5).description.contains("position 6"))
    }
}
