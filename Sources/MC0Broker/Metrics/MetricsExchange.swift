import ZMTP

/// One scrape: read a request head, write one response, close. Loop-confined.
final class MetricsExchange: IOHandler {
    private let fd: Int32
    private unowned let server: MetricsServer
    private var request: [UInt8] = []
    private var response: [UInt8] = []
    private var written = 0
    private var timer: TimerHandle?
    private var closed = false

    init(fd: Int32, server: MetricsServer) throws {
        self.fd = fd
        self.server = server
        try server.loop.register(fd: fd, interest: .readable, handler: self)
        timer = server.loop.schedule(after: server.timeout) { [self] in
            timer = nil
            close()
        }
    }

    func ioReady(readable: Bool, writable: Bool) {
        assert(server.loop.inLoop)
        if readable && response.isEmpty { read() }
        if !closed && !response.isEmpty { write() }
    }

    private func read() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !closed && response.isEmpty {
            let result = chunk.withUnsafeMutableBytes { buffer in Result { try TCP.read(fd, into: buffer) } }
            switch result {
            case .success(.bytes(let n)):
                // The blank line may straddle the last read: look from 3 bytes before it, so a
                // head trickled a byte at a time is not rescanned from its start each time.
                let from = max(0, request.count - 3)
                request += chunk[0..<n]
                respondIfComplete(searchingFrom: from)
            case .success(.wouldBlock):
                return
            case .success(.eof), .failure:
                return close()
            }
        }
    }

    private func respondIfComplete(searchingFrom start: Int) {
        if let head = Self.head(of: request, searchingFrom: start) {
            response = Self.response(to: head, render: server.render)
        } else if request.count > MetricsServer.maxRequestBytes {
            response = Self.plain(431, "Request Header Fields Too Large", "request too large\n")
        }
        if !response.isEmpty {
            request = []
            // Nothing more is read: what the peer still sends is discarded when we close.
            do { try server.loop.setInterest(fd: fd, .writable) } catch { close() }
        }
    }

    private func write() {
        while written < response.count {
            let n = response.withUnsafeBytes { bytes in
                (try? TCP.write(fd, UnsafeRawBufferPointer(rebasing: bytes[written...]))) ?? -1
            }
            if n < 0 { return close() }
            if n == 0 { return }  // the kernel is full: the next writable event comes back
            written += n
        }
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let timer { server.loop.cancel(timer) }
        server.loop.unregister(fd: fd)
        TCP.close(fd)
        server.ended(self)
    }

    /// The request line, once the whole head (up to the blank line) has arrived; the blank
    /// line is looked for from `start` on (the bytes before it were searched already).
    static func head(of request: [UInt8], searchingFrom start: Int = 0) -> Substring? {
        let end: [UInt8] = [13, 10, 13, 10]
        guard request.count >= 4, start <= request.count - 4,
              (start...(request.count - 4)).contains(where: { request[$0..<($0 + 4)].elementsEqual(end) }) else { return nil }
        let text = String(decoding: request, as: UTF8.self)
        return text.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false).first
    }

    static func response(to requestLine: Substring, render: () -> String) -> [UInt8] {
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return plain(400, "Bad Request", "bad request\n") }
        guard parts[0] == "GET" || parts[0] == "HEAD" else { return plain(405, "Method Not Allowed", "only GET\n") }
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else { return plain(404, "Not Found", "try /metrics\n") }
        let body = Array(render().utf8)
        return message(200, "OK", contentType: PrometheusText.contentType, body: body, includeBody: parts[0] == "GET")
    }

    static func plain(_ status: Int, _ reason: String, _ body: String) -> [UInt8] {
        message(status, reason, contentType: "text/plain; charset=utf-8", body: Array(body.utf8), includeBody: true)
    }

    private static func message(_ status: Int, _ reason: String, contentType: String, body: [UInt8],
                                includeBody: Bool) -> [UInt8] {
        let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + (includeBody ? body : [])
    }
}
