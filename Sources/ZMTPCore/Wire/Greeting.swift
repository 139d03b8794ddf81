/// The 64-byte ZMTP 3.x greeting. We send all 64 bytes at once (libzmq accepts that) and read
/// the peer's in any number of pieces, checking each stage as soon as its bytes are in, so that
/// a ZMTP 1.0/2.0 peer or a non-ZMTP client is refused without waiting for the rest.
@_spi(Engine) public struct Greeting: Equatable, Sendable {
    public static let size = 64

    public var major: UInt8
    public var minor: UInt8
    public var mechanism: String
    /// Informational only: libzmq always sends 0 and never reads it (digest P6).
    public var asServer: Bool

    public init(major: UInt8 = 3, minor: UInt8 = 1, mechanism: String, asServer: Bool = false) {
        self.major = major
        self.minor = minor
        self.mechanism = mechanism
        self.asServer = asServer
    }

    public func encoded() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Greeting.size)
        out[0] = 0xFF
        out[8] = 0x01  // libzmq's padding: identity length + 1; any value is legal
        out[9] = 0x7F
        out[10] = major
        out[11] = minor
        for (i, b) in mechanism.utf8.prefix(20).enumerated() { out[12 + i] = b }
        out[32] = asServer ? 1 : 0
        return out
    }

    /// Checks the bytes received so far (any prefix of the greeting); throws as soon as a stage is wrong.
    public static func validatePrefix<C: Collection>(_ bytes: C) throws where C.Element == UInt8, C.Index == Int {
        let s = bytes.startIndex
        if bytes.count >= 1, bytes[s] != 0xFF { throw ZMTPError.badSignature }
        if bytes.count >= 10, bytes[s + 9] & 1 == 0 { throw ZMTPError.badSignature }
        if bytes.count >= 11, bytes[s + 10] < 3 { throw ZMTPError.unsupportedVersion(major: bytes[s + 10]) }
    }

    /// Decodes a complete 64-byte greeting.
    public static func decode<C: Collection>(_ bytes: C) throws -> Greeting where C.Element == UInt8, C.Index == Int {
        guard bytes.count == size else { throw ZMTPError.malformedFrame("greeting must be 64 bytes, got \(bytes.count)") }
        try validatePrefix(bytes)
        let s = bytes.startIndex
        let mech = bytes[(s + 12)..<(s + 32)].prefix { $0 != 0 }
        return Greeting(major: bytes[s + 10], minor: bytes[s + 11],
                        mechanism: String(decoding: mech, as: UTF8.self), asServer: bytes[s + 32] == 1)
    }

    /// ZMTP 3.0 peers (JeroMQ, NetMQ) get the 3.0 flavour; major 3 with minor >= 1, or major > 3, is 3.1.
    public var isZMTP30: Bool { major == 3 && minor == 0 }
}
