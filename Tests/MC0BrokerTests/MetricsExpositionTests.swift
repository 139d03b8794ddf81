import CoreMetrics
import MC0
import Testing
@testable import MC0Broker

/// The exposition writer, the swift-metrics backend and the HTTP responder's request handling,
/// without a process or a socket.
struct MetricsExpositionTests {
    @Test func labelValuesAndHelpAreEscaped() {
        var out = PrometheusText()
        out.family("m_total", type: "counter", help: "a \\ b\nc \"q\"")
        out.sample("m_total", [("path", "C:\\x \"y\"\nz")], 3)
        #expect(out.text == """
            # HELP m_total a \\\\ b\\nc "q"
            # TYPE m_total counter
            m_total{path="C:\\\\x \\"y\\"\\nz"} 3

            """)
    }

    @Test func numbersAreWrittenAsPrometheusReadsThem() {
        #expect(PrometheusText.format(2) == "2")
        #expect(PrometheusText.format(0.25) == "0.25")
        #expect(PrometheusText.format(1e-05) == "1e-05")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
    }

    @Test func namesAreSanitized() {
        #expect(PrometheusText.sanitize("zmtp.bytes-in", colons: true) == "zmtp_bytes_in")
        #expect(PrometheusText.sanitize("9lives:x", colons: true) == "_lives:x")
        #expect(PrometheusText.sanitize("a:b", colons: false) == "a_b")
        #expect(PrometheusText.sanitize("", colons: false) == "_")
    }

    @Test func backendWritesEachFamilyOnceWithItsSeries() {
        let backend = PrometheusBackend(help: ["c_total": "Counted things."])
        let a = backend.makeCounter(label: "c_total", dimensions: [("socket", "a")])
        let b = backend.makeCounter(label: "c_total", dimensions: [("socket", "b")])
        let aAgain = backend.makeCounter(label: "c_total", dimensions: [("socket", "a")])
        a.increment(by: 2)
        aAgain.increment(by: 3)
        b.increment(by: 1)
        backend.makeRecorder(label: "g", dimensions: [], aggregate: false).record(Int64(7))
        let timer = backend.makeTimer(label: "t_seconds", dimensions: [])
        timer.recordNanoseconds(500_000_000)
        timer.recordNanoseconds(1_500_000_000)
        // The same name as another kind: a separate family, never a second TYPE line.
        backend.makeRecorder(label: "c_total", dimensions: [], aggregate: false).record(1.5)
        var out = PrometheusText()
        backend.write(into: &out)
        #expect(out.text == """
            # HELP c_total Counted things.
            # TYPE c_total counter
            c_total{socket="a"} 5
            c_total{socket="b"} 1
            # HELP c_total_gauge c_total_gauge, reported through swift-metrics.
            # TYPE c_total_gauge gauge
            c_total_gauge 1.5
            # HELP g g, reported through swift-metrics.
            # TYPE g gauge
            g 7
            # HELP t_seconds t_seconds, reported through swift-metrics.
            # TYPE t_seconds summary
            t_seconds_sum 2
            t_seconds_count 2

            """)
    }

    @Test func theResponderAnswersOnlyGetMetrics() {
        func status(_ line: Substring) -> String {
            let response = String(decoding: MetricsExchange.response(to: line) { "m 1\n" }, as: UTF8.self)
            return String(response.split(separator: "\r\n").first ?? "")
        }
        #expect(status("GET /metrics HTTP/1.1") == "HTTP/1.1 200 OK")
        #expect(status("GET /metrics?x=1 HTTP/1.0") == "HTTP/1.1 200 OK")
        #expect(status("GET / HTTP/1.1") == "HTTP/1.1 404 Not Found")
        #expect(status("POST /metrics HTTP/1.1") == "HTTP/1.1 405 Method Not Allowed")
        #expect(status("GET /metrics") == "HTTP/1.1 400 Bad Request")
        #expect(status("\u{0}\u{1}") == "HTTP/1.1 400 Bad Request")
        let get = String(decoding: MetricsExchange.response(to: "GET /metrics HTTP/1.1") { "m 1\n" }, as: UTF8.self)
        #expect(get.hasSuffix("Content-Length: 4\r\nConnection: close\r\n\r\nm 1\n"))
        #expect(get.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        let head = String(decoding: MetricsExchange.response(to: "HEAD /metrics HTTP/1.1") { "m 1\n" }, as: UTF8.self)
        #expect(head.hasSuffix("Content-Length: 4\r\nConnection: close\r\n\r\n"))
    }

    @Test func theRequestHeadEndsAtTheBlankLine() {
        #expect(MetricsExchange.head(of: Array("GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8)) == nil)
        #expect(MetricsExchange.head(of: Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) == "GET /metrics HTTP/1.1")
        #expect(MetricsExchange.head(of: Array("GET /metrics HTTP/1.1\r\n\r\n".utf8)) == "GET /metrics HTTP/1.1")
    }

    @Test func verbsAreCountedInTheirLabelsSlots() {
        for (index, verb) in Verb.fromClient.enumerated() {
            var traffic = BrokerTraffic()
            traffic.count(verb)
            #expect(traffic.received.firstIndex(of: 1) == index, "\(verb)")
        }
        var traffic = BrokerTraffic()
        for verb in [Verb.message, .error, .ok] { traffic.count(verb) }
        #expect(traffic.received.allSatisfy { $0 == 0 })
    }

    @Test func latencyBucketsAreCumulative() {
        var latency = DeliveryLatency()
        latency.observe(since: 0)  // boot time ago: above every bound
        var out = PrometheusText()
        latency.write(into: &out)
        #expect(out.text.contains("mc0d_delivery_latency_seconds_bucket{le=\"1\"} 0\n"))
        #expect(out.text.contains("mc0d_delivery_latency_seconds_bucket{le=\"+Inf\"} 1\n"))
        #expect(out.text.contains("mc0d_delivery_latency_seconds_count 1\n"))
    }
}
