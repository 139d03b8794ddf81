import Testing
@testable import ZMTP

@Suite struct EndpointTests {
    @Test func acceptsTCPForms() throws {
        #expect(try Endpoint.parse("tcp://127.0.0.1:5555") == Endpoint(host: "127.0.0.1", port: 5555))
        #expect(try Endpoint.parse("tcp://[::1]:0") == Endpoint(host: "::1", port: 0))
        #expect(try Endpoint.parse("tcp://*:61616") == Endpoint(host: "*", port: 61616))
        #expect(try Endpoint.parse("tcp://localhost:1") == Endpoint(host: "localhost", port: 1))
        #expect(try Endpoint.parse("tcp://0.0.0.0:65535") == Endpoint(host: "0.0.0.0", port: 65535))
        #expect(try Endpoint.parse("tcp://*:*") == Endpoint(host: "*", port: 0))
        #expect(try Endpoint.parse("tcp://broker-1.example_net:61616").host == "broker-1.example_net")
        #expect(try Endpoint.parse("tcp://[::ffff:127.0.0.1]:9") == Endpoint(host: "::ffff:127.0.0.1", port: 9))
    }

    @Test func descriptionRoundTrips() throws {
        for text in ["tcp://127.0.0.1:5555", "tcp://[::1]:5555", "tcp://*:61616", "tcp://localhost:1"] {
            #expect(try Endpoint.parse(text).description == text)
        }
        #expect(Endpoint(host: "fe80::1", port: 7).description == "tcp://[fe80::1]:7")
    }

    @Test func rejectsMalformedText() {
        let cases: [(String, EndpointError)] = [
            ("", .empty),
            ("127.0.0.1:5555", .missingScheme("127.0.0.1:5555")),
            ("pgm://x", .unsupportedScheme(scheme: "pgm", endpoint: "pgm://x")),
            ("TCP://1.2.3.4:5", .unsupportedScheme(scheme: "TCP", endpoint: "TCP://1.2.3.4:5")),
            ("tcp://1.2.3.4", .missingPort("tcp://1.2.3.4")),
            ("tcp://1.2.3.4:", .missingPort("tcp://1.2.3.4:")),
            ("tcp://host:99999", .badPort(port: "99999", endpoint: "tcp://host:99999")),
            ("tcp://host:65536", .badPort(port: "65536", endpoint: "tcp://host:65536")),
            ("tcp://host:+5", .badPort(port: "+5", endpoint: "tcp://host:+5")),
            ("tcp://host:0x10", .badPort(port: "0x10", endpoint: "tcp://host:0x10")),
            ("tcp://host:000005555", .badPort(port: "000005555", endpoint: "tcp://host:000005555")),
            ("tcp://::1:5", .ipv6NeedsBrackets("tcp://::1:5")),
            ("tcp://:5", .missingHost("tcp://:5")),
            ("tcp://[::1]", .missingPort("tcp://[::1]")),
            ("tcp://[::1]5", .missingPort("tcp://[::1]5")),
            ("tcp://[::1:5", .badHost(host: "[::1:5", endpoint: "tcp://[::1:5")),
            ("tcp://[]:5", .badHost(host: "", endpoint: "tcp://[]:5")),
            ("tcp://[127.0.0.1]:5", .badHost(host: "127.0.0.1", endpoint: "tcp://[127.0.0.1]:5")),
            ("tcp://a b:5", .badHost(host: "a b", endpoint: "tcp://a b:5")),
            ("tcp://eth0;10.0.0.1:5", .badHost(host: "eth0;10.0.0.1", endpoint: "tcp://eth0;10.0.0.1:5")),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text)") { try Endpoint.parse(text) }
        }
    }

    @Test func errorMessagesNameTheProblem() {
        #expect(EndpointError.ipv6NeedsBrackets("tcp://::1:5").description.contains("tcp://[::1]:5555"))
        #expect(EndpointError.badPort(port: "99999", endpoint: "tcp://h:99999").description.contains("99999"))
        #expect(EndpointError.unsupportedScheme(scheme: "pgm", endpoint: "pgm://x").description.contains("only tcp://, ipc:// and inproc://"))
    }
    @Test func acceptsIPCAndInprocForms() throws {
        #expect(try Endpoint.parse("ipc:///run/mc0/broker.sock") == Endpoint(.ipc(path: "/run/mc0/broker.sock")))
        #expect(try Endpoint.parse("ipc://relative.sock") == Endpoint(.ipc(path: "relative.sock")))
        #expect(try Endpoint.parse("ipc://@mc0-broker") == Endpoint(.ipcAbstract(name: "mc0-broker")))
        #expect(try Endpoint.parse("inproc://workers") == Endpoint(.inproc(name: "workers")))
        for text in ["ipc:///tmp/a b.sock", "ipc://@name", "inproc://a/b:c"] {
            #expect(try Endpoint.parse(text).description == text)
        }
        let longest = "/" + String(repeating: "p", count: Endpoint.maxIPCPathBytes - 1)
        #expect(try Endpoint.parse("ipc://" + longest) == Endpoint(.ipc(path: longest)))
        #expect(try Endpoint.parse("ipc://inproc").host == "")
    }

    @Test func rejectsBadIPCAndInprocText() {
        let long = "/" + String(repeating: "p", count: Endpoint.maxIPCPathBytes)
        let longAbstract = "@" + String(repeating: "n", count: Endpoint.maxIPCPathBytes)
        let cases: [(String, EndpointError)] = [
            ("ipc://", .emptyName("ipc://")),
            ("ipc://@", .emptyName("ipc://@")),
            ("inproc://", .emptyName("inproc://")),
            ("ipc://*", .ipcWildcard("ipc://*")),
            ("ipc://a\u{0}b", .zeroByteInPath("ipc://a\u{0}b")),
            ("ipc://" + long, .pathTooLong(path: long, bytes: 108, limit: 107)),
            ("ipc://" + longAbstract, .pathTooLong(path: longAbstract, bytes: 108, limit: 107)),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text)") { try Endpoint.parse(text) }
        }
        #expect(EndpointError.pathTooLong(path: long, bytes: 108, limit: 107).description.contains("107"))
    }
}
