import Testing
import TestSupport
import MC0
import MC0Broker

@Suite struct BrokerCoreFuzzTests {
    /// Pieces random messages are made of: real verbs and headers, so many messages get
    /// deep into the handlers, plus junk.
    static let pieces: [[UInt8]] = [
        [], [], b("CONNECT"), b("DISCONNECT"), b("SUB"), b("UNSUB"), b("PUT"), b("NOOP"),
        b("MESSAGE"), b("OK"), b("ID"), b("TOPIC"), b("VERSION"), b("0.3"), b("TTL"), b("1000"),
        b("t"), b("X-A"), b("junk"), [0xFF, 0xFE], [0], b("99999999999999"),
    ]

    static let templates: [[[UInt8]]] = [
        f("", "CONNECT", "VERSION", "0.3", "TTL", "1000", "ID", "1"),
        f("", "SUB", "ID", "2", "", "t", "u"),
        f("", "UNSUB", "", "t"),
        f("", "PUT", "TOPIC", "t", "X-A", "1", "ID", "3", "", "junk-body"),
        f("", "NOOP", "ID", "4"),
        f("", "DISCONNECT"),
    ]

    @Test func randomMessagesNeverCrashOrCostOthersMessages() throws {
        let h = Harness(config: BrokerConfig(maxTopicsPerClient: 8))
        var rng = SplitMix(seed: 2024)
        h.connect("pub", ttl: 60_000)
        h.connect("sub", ttl: 60_000)
        h.send("sub", "", "SUB", "", "t")
        var expected: [String] = []
        var received: [String] = []

        func record(_ outs: [Outgoing]) throws {
            for out in outs {
                // Everything the broker sends parses and is a broker verb.
                let message = try MC0Message.parse(out.frames)
                #expect([.message, .error, .ok, .noop].contains(message.verb))
                if out.client == b("sub"), message.verb == .message,
                   let body = message.positional.last, body.starts(with: b("pub-")) {
                    received.append(String(decoding: body, as: UTF8.self))
                }
            }
        }

        for n in 0..<4000 {
            h.now += 1 * ms
            let junkClient = "junk\(rng.below(20))"
            var frames: [[UInt8]]
            if rng.below(2) == 0 {
                // A valid command, sometimes with one frame dropped or replaced.
                frames = Self.templates[rng.below(Self.templates.count)]
                switch rng.below(4) {
                case 0: frames.remove(at: rng.below(frames.count))
                case 1: frames[rng.below(frames.count)] = Self.pieces[rng.below(Self.pieces.count)]
                default: break
                }
            } else {
                // Shaped like a message (delimiter, verb) so the handlers get exercised.
                frames = rng.below(10) == 0 ? [] : [[], Self.pieces[2 + rng.below(8)]]
                frames += (0..<rng.below(9)).map { _ in Self.pieces[rng.below(Self.pieces.count)] }
            }
            let outs = h.send(junkClient, frames)
            // One reply at most per request: never both ERROR and OK.
            let replies = outs.filter { $0.client == b(junkClient) }.compactMap { try? MC0Message.parse($0.frames).verb }
            #expect(replies.filter { $0 == .ok || $0 == .error }.count <= 1)
            try record(outs)
            if n % 3 == 0 {
                let body = "pub-\(n)"
                expected.append(body)
                try record(h.send("pub", "", "PUT", "TOPIC", "t", "", body))
            }
            if n % 500 == 0 {
                h.send("sub", "", "NOOP")
                h.send("pub", "", "NOOP")
            }
            try record(h.tick())
        }
        #expect(received == expected)
        #expect(h.core.client(b("sub"))?.topics == [b("t")])
        // Junk clients subscribe to at most 8 topics each, so the table stays small.
        #expect(h.core.stats.topics <= 1 + 20 * 8)
    }
}
