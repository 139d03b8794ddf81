import Foundation
import Glibc
import TestSupport

/// One scrape of a /metrics endpoint: the body and its samples keyed by series, as printed
/// (`name{label="value",...}`).
struct Scrape {
    let text: String
    let samples: [String: Double]

    subscript(_ series: String) -> Double? { samples[series] }

    /// GET /metrics on 127.0.0.1:`port` over a plain TCP connection (bounded by its timeouts).
    static func get(port: UInt16) throws -> Scrape {
        let peer = try RawPeer(port: port, timeoutSeconds: 10)
        peer.write(Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        let response = String(decoding: peer.read(16 << 20), as: UTF8.self)
        guard response.hasPrefix("HTTP/1.1 200 OK\r\n"), let split = response.range(of: "\r\n\r\n") else {
            throw ScrapeError.badResponse(String(response.prefix(200)))
        }
        return parse(String(response[split.upperBound...]))
    }

    /// The samples of an exposition text.
    static func parse(_ text: String) -> Scrape {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let value = line[line.index(after: space)...]
            samples[String(line[..<space])] = value == "+Inf" ? .infinity : Double(value)
        }
        return Scrape(text: text, samples: samples)
    }

    enum ScrapeError: Error { case badResponse(String) }
}

extension BrokerProcess {
    /// The metrics port from mc0d's "mc0d metrics on http://127.0.0.1:PORT/metrics" line
    /// (printed before the "listening" line BrokerProcess waits for).
    var metricsPort: UInt16? {
        guard let line = child.allLines.first(where: { $0.hasPrefix("mc0d metrics on http://") }),
              let colon = line.lastIndex(of: ":") else { return nil }
        return UInt16(line[line.index(after: colon)...].prefix { $0.isNumber })
    }

    /// Scrapes until `condition` holds (bounded); returns the last scrape.
    func scrape(until condition: (Scrape) -> Bool = { _ in true }, timeout: Double = 20) throws -> Scrape {
        guard let port = metricsPort else { throw Scrape.ScrapeError.badResponse("no metrics line in \(child.allLines)") }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let scrape = try Scrape.get(port: port)
            if condition(scrape) || Date() >= deadline { return scrape }
            usleep(20_000)
        }
    }
}

enum Promtool {
    /// /usr/bin/promtool or the first one on PATH, if installed.
    static let path: String? = {
        let candidates = ["/usr/bin/promtool"] + (ProcessInfo.processInfo.environment["PATH"] ?? "")
            .split(separator: ":").map { "\($0)/promtool" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// In CI (`.ci/run` sets MC0_CI) the format tests must run: promtool is installed there.
    static var required: Bool { ProcessInfo.processInfo.environment["MC0_CI"] != nil }

    /// Runs promtool with `arguments` and `input` on stdin; its status and output.
    static func run(_ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let process = Process()
        guard let path else { throw Scrape.ScrapeError.badResponse("promtool is not installed") }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = Thread.detachNewThreadResult {
            String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        let text = output.wait(timeout: 60) ?? "promtool did not finish"
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
