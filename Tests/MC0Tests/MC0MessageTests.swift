import Testing
import TestSupport
import MC0

private func b(_ text: String) -> [UInt8] { Array(text.utf8) }
private func frames(_ texts: String...) -> [[UInt8]] { texts.map(b) }

@Suite struct MC0MessageTests {
    @Test func parsesVerbHeadersAndPositional() throws {
        let message = try MC0Message.parse(frames("", "PUT", "TOPIC", "t", "X-A", "1", "", "body1", "body2"))
        #expect(message.verb == .put)
        #expect(message.headers.map(\.key) == ["TOPIC", "X-A"])
        #expect(message.header("TOPIC") == b("t"))
        #expect(message.header("X-A") == b("1"))
        #expect(message.header("ID") == nil)
        #expect(message.positional == [b("body1"), b("body2")])
    }

    @Test func parsesEveryVerb() throws {
        for verb in Verb.allCases {
            let message = try MC0Message.parse([[], b(verb.rawValue)])
            #expect(message == MC0Message(verb: verb))
        }
    }

    @Test func headerValuesMayBeEmpty() throws {
        // Read pairwise: the empty frame in value position is a value, not the separator.
        let message = try MC0Message.parse(frames("", "PUT", "TOPIC", "t", "X-EMPTY", "", "", "body"))
        #expect(message.header("X-EMPTY") == [])
        #expect(message.positional == [b("body")])
    }

    @Test func positionalWithoutHeadersAndEmptyBodyFrames() throws {
        let sub = try MC0Message.parse(frames("", "SUB", "", "a", "b"))
        #expect(sub.headers.isEmpty)
        #expect(sub.positional == [b("a"), b("b")])
        let put = try MC0Message.parse(frames("", "PUT", "TOPIC", "t", "", ""))
        #expect(put.positional == [[]])
    }

    @Test func headerKeepsBinaryValues() throws {
        let message = try MC0Message.parse([[], b("NOOP"), b("ID"), [0, 255, 10]])
        #expect(message.header("ID") == [0, 255, 10])
    }

    @Test(arguments: [
        ([[UInt8]](), MC0ParseError.emptyMessage),
        ([b("NOOP")], .missingDelimiter),
        ([b("x"), b("NOOP")], .missingDelimiter),
        ([[]], .missingVerb),
        ([[], []], .missingVerb),
        ([[], b("FOO")], .unknownVerb("FOO")),
        ([[], b("noop")], .unknownVerb("noop")),
        ([[], [0xFF, 0x01]], .unknownVerb("\u{FFFD}\\x01")),
        ([[], b("PUT"), b("TOPIC")], .oddHeaderList(key: "TOPIC")),
        ([[], b("NOOP"), b("ID"), b("1"), b("X")], .oddHeaderList(key: "X")),
        ([[], b("NOOP"), [0xC3], b("1")], .headerKeyNotText(frame: 2)),
        ([[], b("PUT"), b("TOPIC"), b("a"), b("TOPIC"), b("b")], .duplicateHeader("TOPIC")),
    ] as [([[UInt8]], MC0ParseError)])
    func rejectsMalformed(input: [[UInt8]], expected: MC0ParseError) {
        #expect(throws: expected) { try MC0Message.parse(input) }
    }

    @Test func errorDescriptionsAreOneClearLine() {
        let all: [MC0ParseError] = [.emptyMessage, .missingDelimiter, .missingVerb, .unknownVerb("X"),
                                    .oddHeaderList(key: "K"), .headerKeyNotText(frame: 2), .duplicateHeader("K")]
        for error in all {
            #expect(!error.description.isEmpty)
            #expect(!error.description.contains("\n"))
        }
        #expect(MC0ParseError.oddHeaderList(key: "TOPIC").description.hasPrefix("header 'TOPIC' has no value"))
    }

    @Test func unknownVerbTextIsPrintableAndBounded() {
        let long = [UInt8](repeating: UInt8(ascii: "A"), count: 1000)
        #expect(throws: MC0ParseError.unknownVerb(String(repeating: "A", count: 64) + "...")) {
            try MC0Message.parse([[], long])
        }
        #expect(throws: MC0ParseError.unknownVerb("A\\x0aB")) { try MC0Message.parse([[], b("A\nB")]) }
    }

    @Test func encodesWithSeparatorOnlyWhenNeeded() {
        #expect(MC0Message(verb: .noop).frames() == frames("", "NOOP"))
        #expect(MC0Message(verb: .connect, headers: [("VERSION", b("0.3")), ("TTL", b("1000"))]).frames()
            == frames("", "CONNECT", "VERSION", "0.3", "TTL", "1000"))
        #expect(MC0Message(verb: .sub, positional: [b("a")]).frames() == frames("", "SUB", "", "a"))
        #expect(MC0Message(verb: .sub).frames() == frames("", "SUB"))
        // Body-carrying verbs always have their separator, even with no body.
        #expect(MC0Message(verb: .put, headers: [("TOPIC", b("t"))]).frames() == frames("", "PUT", "TOPIC", "t", ""))
        #expect(MC0Message.message(topic: b("t"), body: []).frames() == frames("", "MESSAGE", "TOPIC", "t", ""))
    }

    @Test func roundTrips() throws {
        let messages = [
            MC0Message(verb: .put, headers: [("TOPIC", b("t")), ("X-A", []), ("ID", b("7"))], positional: [b("x"), []]),
            MC0Message(verb: .unsub, headers: [("ID", b("1"))], positional: [b("a"), b("b")]),
            MC0Message.message(topic: b("t"), headers: [("X-B", b("2"))], body: [b("body")]),
            MC0Message.error(message: "bad", id: b("9")),
            MC0Message.ok(id: b("9")),
            MC0Message.noop,
        ]
        for message in messages {
            #expect(try MC0Message.parse(message.frames()) == message)
        }
    }

    @Test func replyBuilders() {
        #expect(MC0Message.ok(id: b("42")).frames() == frames("", "OK", "ID", "42"))
        #expect(MC0Message.error(message: "oops").frames() == frames("", "ERROR", "MESSAGE", "oops"))
        #expect(MC0Message.error(message: "oops", id: b("5")).frames() == frames("", "ERROR", "MESSAGE", "oops", "ID", "5"))
        #expect(MC0Message.noop.frames() == frames("", "NOOP"))
        #expect(MC0Message.message(topic: b("t"), headers: [("X-A", b("1"))], body: [b("p"), b("q")]).frames()
            == frames("", "MESSAGE", "TOPIC", "t", "X-A", "1", "", "p", "q"))
    }

    @Test func equalityComparesHeadersInOrder() {
        let a = MC0Message(verb: .put, headers: [("A", b("1")), ("B", b("2"))])
        let swapped = MC0Message(verb: .put, headers: [("B", b("2")), ("A", b("1"))])
        #expect(a != swapped)
        #expect(a != MC0Message(verb: .put, headers: [("A", b("1"))]))
        #expect(a == MC0Message(verb: .put, headers: [("A", b("1")), ("B", b("2"))]))
    }

    @Test func bestEffortIDFromBrokenMessages() {
        #expect(MC0Message.bestEffortID(in: frames("", "FOO", "ID", "3")) == b("3"))
        #expect(MC0Message.bestEffortID(in: frames("", "NOOP", "X-A", "1", "ID", "4", "odd")) == b("4"))
        #expect(MC0Message.bestEffortID(in: frames("", "NOOP", "odd")) == nil)
        #expect(MC0Message.bestEffortID(in: frames("NOOP", "ID", "3")) == nil)
        #expect(MC0Message.bestEffortID(in: frames("", "SUB", "", "ID", "3")) == nil)
        #expect(MC0Message.bestEffortID(in: []) == nil)
    }

    @Test func neverTrapsOnRandomInput() throws {
        var rng = SplitMix(seed: 7)
        let pieces: [[UInt8]] = [[], b("ID"), b("TOPIC"), b("PUT"), b("NOOP"), [0xFF], b("x")]
        for _ in 0..<5000 {
            let count = Int(rng.next() % 8)
            let input = (0..<count).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }
            if let message = try? MC0Message.parse(input) {
                #expect(try MC0Message.parse(message.frames()) == message)
            }
            _ = MC0Message.bestEffortID(in: input)
        }
    }
}
