/// Sizes and nonce prefixes of the CurveZMQ handshake (RFC 26 as libzmq 4.3 implements it).
/// Sizes are of the command data, after the name: HELLO 200, WELCOME 168, INITIATE 257 + M and
/// READY 30 + M bytes of command body, minus 6, 8, 9 and 6 bytes of name.
enum CurveWire {
    static let helloDataSize = 194
    static let welcomeDataSize = 160
    static let initiateMinimumDataSize = 248
    static let readyMinimumDataSize = 24

    /// HELLO data: version(2) | zeros(72) | C'(32) | short nonce(8) | signature box(80).
    static let helloPaddingSize = 72
    static let helloTransientKeyOffset = 74
    static let helloNonceOffset = 106
    static let helloBoxOffset = 114

    static let cookieSize = 96
    static let signatureSize = 64

    static let helloPrefix: StaticString = "CurveZMQHELLO---"
    static let welcomePrefix: StaticString = "WELCOME-"
    static let cookiePrefix: StaticString = "COOKIE--"
    static let initiatePrefix: StaticString = "CurveZMQINITIATE"
    static let vouchPrefix: StaticString = "VOUCH---"
    static let readyPrefix: StaticString = "CurveZMQREADY---"
    static let clientMessagePrefix: StaticString = "CurveZMQMESSAGEC"
    static let serverMessagePrefix: StaticString = "CurveZMQMESSAGES"

    static func shortNonce(_ n: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        out.appendBE(n)
        return out
    }
}
