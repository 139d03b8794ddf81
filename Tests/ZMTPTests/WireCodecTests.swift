import Testing
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

@Suite struct WireCodecTests {
    @Test func greetingMatchesLibzmqCapture() throws {
        let captured = try Captures.bytes("libzmq_dealer_greeting")
        #expect(Greeting(mechanism: "NULL").encoded() == captured)
        let decoded = try Greeting.decode(captured)
        #expect(decoded.mechanism == "NULL" && decoded.major == 3 && decoded.minor == 1 && !decoded.isZMTP30)
        let curve = try Greeting.decode(try Captures.bytes("libzmq_curve_client_greeting"))
        #expect(curve.mechanism == "CURVE" && !curve.asServer)
    }

    @Test func greetingStagesRefuseOldAndForeignPeers() throws {
        var zmtp2 = Greeting(mechanism: "NULL").encoded()
        zmtp2[10] = 1
        #expect(throws: ZMTPError.unsupportedVersion(major: 1)) { try Greeting.validatePrefix(zmtp2.prefix(11)) }
        #expect(throws: ZMTPError.badSignature) { try Greeting.validatePrefix(Array("GET / HTTP/1.1".utf8)) }
        var zmtp1 = Greeting(mechanism: "NULL").encoded()
        zmtp1[9] = 0x7E
        #expect(throws: ZMTPError.badSignature) { try Greeting.validatePrefix(zmtp1.prefix(10)) }
        // A prefix that is fine so far passes.
        #expect(throws: Never.self) { try Greeting.validatePrefix(Greeting(mechanism: "NULL").encoded().prefix(10)) }
        var zmtp30 = Greeting(mechanism: "NULL").encoded()
        zmtp30[11] = 0
        #expect(try Greeting.decode(zmtp30).isZMTP30)
    }

    @Test func readyMatchesLibzmqCapture() throws {
        let ready = Command.ready(SocketType.dealer.metadata(identity: []))
        #expect(WireFrame(flags: WireFrame.command, body: ready.encoded()).encoded() == (try Captures.bytes("libzmq_dealer_ready")))
        let withID = Command.ready(SocketType.dealer.metadata(identity: Array("abc".utf8))).encoded()
        #expect(withID.count == 0x2c)
    }

    static func header(_ bytes: [UInt8]) throws -> FrameHeader? {
        try bytes.withUnsafeBytes { try FrameHeader.parse($0) }
    }

    @Test func frameHeaders() throws {
        #expect(try Self.header([0x01, 0x00]) == FrameHeader(flags: 1, headerSize: 2, bodySize: 0))
        #expect(try Self.header([0x02, 0, 0, 0, 0, 0, 0, 1, 0])?.bodySize == 256)
        #expect(try Self.header([0x02, 0, 0, 0]) == nil)
        #expect(throws: ZMTPError.self) { try Self.header([0x08, 0x00]) }
        #expect(throws: ZMTPError.self) { try Self.header([0x02, 0x80, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(WireFrame(flags: 0, body: [UInt8](repeating: 7, count: 256)).encoded().prefix(9) == [0x02, 0, 0, 0, 0, 0, 0, 1, 0])
    }

    @Test func commandsAndMetadata() throws {
        #expect(WireFrame(flags: 4, body: Command.ping(ttlDeciseconds: 15).encoded()).encoded() == (try Captures.bytes("libzmq_dealer_ping")))
        #expect(WireFrame(flags: 4, body: Command.pong(context: Array("ctx".utf8)).encoded()).encoded()
                == [0x04, 0x08, 0x04, 0x50, 0x4f, 0x4e, 0x47, 0x63, 0x74, 0x78])
        #expect(Command.pong(context: [UInt8](repeating: 1, count: 40)).data.count == 16)
        #expect(throws: ZMTPError.self) { try Command.decode([UInt8]()) }
        #expect(throws: ZMTPError.self) { try Command.decode([9, 0x41]) }
        #expect(try Command.errorReason(Command.error("400").data) == "400")
        #expect(throws: ZMTPError.self) { try Command.errorReason([5, 0x41]) }

        let m = Metadata([("Socket-Type", Array("ROUTER".utf8)), ("Identity", [])])
        #expect(try Metadata.decode(m.encoded()) == m)
        var longName = m.encoded()
        longName[0] = 200
        #expect(throws: ZMTPError.self) { try Metadata.decode(longName) }
        var longValue = m.encoded()
        longValue[15] = 0x7F
        #expect(throws: ZMTPError.self) { try Metadata.decode(longValue) }
        #expect(throws: ZMTPError.self) { try Metadata.decode(m.encoded() + [1]) }
        #expect(throws: ZMTPError.self) { try Metadata.decode([0, 0, 0, 0, 0]) }
        #expect(try Metadata.decode([UInt8]()).properties.isEmpty)
    }
}
