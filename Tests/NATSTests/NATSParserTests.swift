import NATSWire
import Testing

@Suite("NATS codec")
struct NATSParserTests {
    private func parse(_ text: String, maxPayload: Int = 1 << 20, maxControlLine: Int = 4096) throws -> [NATSServerOperation] {
        var parser = NATSParser(maxControlLine: maxControlLine, maxPayload: maxPayload)
        parser.append(Array(text.utf8))
        var out: [NATSServerOperation] = []
        while let op = try parser.next() { out.append(op) }
        return out
    }

    @Test func readsEveryServerOperation() throws {
        let ops = try parse("INFO {\"server_id\":\"S1\",\"max_payload\":1024,\"headers\":true,\"auth_required\":true,\"connect_urls\":[\"127.0.0.1:4223\",\"10.0.0.2:4222\"],\"nested\":{\"a\":[1,2.5e3,null,false]}}\r\n"
            + "PING\r\npong\r\n+OK\r\n-ERR 'Authorization Violation'\r\nMSG a.b 7 5\r\nhello\r\nMSG a.b 8 reply.x 0\r\n\r\n"
            + "HMSG h 9 12 14\r\nNATS/1.0\r\n\r\nhi\r\n")
        var info = NATSInfo()
        info.serverID = "S1"
        info.maxPayload = 1024
        info.headers = true
        info.authRequired = true
        info.connectURLs = ["127.0.0.1:4223", "10.0.0.2:4222"]
        #expect(ops == [
            .info(info), .ping, .pong, .ok, .err("Authorization Violation"),
            .msg(NATSMessage(subject: "a.b", sid: 7, payload: Array("hello".utf8))),
            .msg(NATSMessage(subject: "a.b", sid: 8, replyTo: "reply.x", payload: [])),
            .msg(NATSMessage(subject: "h", sid: 9, headers: Array("NATS/1.0\r\n\r\n".utf8), payload: Array("hi".utf8))),
        ])
    }

    @Test func readsAcrossArbitrarySplits() throws {
        let text = "PING\r\nMSG s 1 10\r\n0123456789\r\nINFO {\"max_payload\":64}\r\nMSG t 2 3\r\n\r\n\r\r\n"
        let bytes = Array(text.utf8)
        let expected = try parse(text)
        for split in 0...bytes.count {
            var parser = NATSParser()
            var got: [NATSServerOperation] = []
            parser.append(Array(bytes[..<split]))
            while let op = try parser.next() { got.append(op) }
            parser.append(Array(bytes[split...]))
            while let op = try parser.next() { got.append(op) }
            #expect(got == expected, "split at \(split)")
        }
        #expect(expected.last == .msg(NATSMessage(subject: "t", sid: 2, payload: Array("\r\n\r".utf8))))
    }

    @Test func payloadLimitComesFromInfo() throws {
        #expect(throws: NATSWireError.payloadTooLarge(size: 11, limit: 10)) {
            try parse("INFO {\"max_payload\":10}\r\nMSG s 1 11\r\n")
        }
        #expect(try parse("INFO {\"max_payload\":10}\r\nMSG s 1 10\r\n0123456789\r\n").count == 2)
    }

    @Test func refusesBadInput() {
        let cases: [(String, NATSWireError)] = [
            ("HELLO\r\n", .unknownOperation("HELLO")),
            ("MSG s x 1\r\na\r\n", .malformed(operation: "MSG", reason: "bad sid")),
            ("MSG s 1 -1\r\n", .malformed(operation: "MSG", reason: "bad size")),
            ("MSG s 1 +1\r\n", .malformed(operation: "MSG", reason: "bad size")),
            ("MSG s\r\n", .malformed(operation: "MSG", reason: "1 arguments")),
            ("MSG s 1 99999999999999999999\r\n", .malformed(operation: "MSG", reason: "bad size")),
            ("HMSG s 1 5 3\r\n", .malformed(operation: "HMSG", reason: "bad header size")),
            ("MSG s 1 2\r\nabXY", .missingPayloadTerminator),
            ("INFO [1]\r\n", .badInfo("not a JSON object")),
            ("INFO {\"a\":\r\n", .badInfo("unexpected end")),
            ("INFO {\"max_payload\":-5}\r\n", .badInfo("max_payload -5.0 out of range")),
            ("INFO " + String(repeating: "[", count: 40) + "\r\n", .badInfo("nested deeper than 16")),
            ("INFO {\"a\":\"x\" } junk\r\n", .badInfo("trailing bytes after the JSON value")),
        ]
        for (input, error) in cases {
            #expect(throws: error, "\(input)") { try parse(input) }
        }
    }

    @Test func boundsTheControlLine() {
        #expect(throws: NATSWireError.controlLineTooLong(limit: 64)) {
            try parse(String(repeating: "x", count: 65), maxControlLine: 64)
        }
        #expect(throws: NATSWireError.controlLineTooLong(limit: 64)) {
            try parse("MSG " + String(repeating: "s", count: 70) + " 1 1\r\nx\r\n", maxControlLine: 64)
        }
    }

    @Test func encodesClientCommands() throws {
        var out: [UInt8] = []
        var options = NATSConnectOptions()
        options.name = "mc0d \"x\""
        options.user = "u"
        options.password = "p\\w"
        NATSCommand.connect(options, into: &out)
        try NATSCommand.subscribe(subject: "mc0.a_20b", sid: 3, into: &out)
        NATSCommand.unsubscribe(sid: 3, into: &out)
        try NATSCommand.publish(subject: "mc0.x", payload: Array("hi\r\n".utf8), maxPayload: 100, into: &out)
        NATSCommand.ping(into: &out)
        NATSCommand.pong(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":false,\"name\":\"mc0d \\\"x\\\"\",\"lang\":\"swift\",\"version\":\"0\",\"protocol\":1,\"echo\":false,\"headers\":false,\"no_responders\":false,\"user\":\"u\",\"pass\":\"p\\\\w\"}\r\n"
            + "SUB mc0.a_20b 3\r\nUNSUB 3\r\nPUB mc0.x 4\r\nhi\r\n\r\nPING\r\nPONG\r\n")
    }

    @Test func refusesSubjectsThatWouldInjectCommands() {
        for subject in ["", "a b", "a\r\nPUB x 1", "a..b", ".a", "a.", String(repeating: "a", count: 3000), "é"] {
            var out: [UInt8] = []
            #expect(throws: NATSWireError.self) { try NATSCommand.subscribe(subject: subject, sid: 1, into: &out) }
            #expect(throws: NATSWireError.self) { try NATSCommand.publish(subject: subject, payload: [], maxPayload: 10, into: &out) }
            #expect(out.isEmpty)
        }
        var out: [UInt8] = []
        #expect(throws: NATSWireError.publishTooLarge(size: 11, limit: 10)) {
            try NATSCommand.publish(subject: "s", payload: Array(repeating: 0, count: 11), maxPayload: 10, into: &out)
        }
    }
}

@Suite("NATS codec, random input")
struct NATSParserFuzzTests {
    /// Random bytes in random chunks: the parser returns operations or throws a typed error,
    /// and never holds more than a control line and a payload.
    @Test func randomInputNeverCrashesAndStaysBounded() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("MSG HMSG INFO PING PONG +OK -ERR {}[]\":, 0123456789 abc\r\n".utf8)
        for _ in 0..<300 {
            var parser = NATSParser(maxControlLine: 256, maxPayload: 512)
            let length = Int.random(in: 0..<2048, using: &generator)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &generator) ? alphabet.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            var index = 0
            parsing: while index < bytes.count {
                let end = min(bytes.count, index + Int.random(in: 1...64, using: &generator))
                parser.append(Array(bytes[index..<end]))
                index = end
                do {
                    while try parser.next() != nil {}
                } catch {
                    break parsing
                }
                #expect(parser.buffered <= 256 + 512 + 64 + 2)
            }
        }
    }
}
