import ArgumentParser
import MC0Connector

/// `mc0 ping`: acknowledged NOOP round trips and their latency.
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Send N acknowledged NOOPs to the broker and print the round-trip latency (min/p50/p99).",
        discussion: "Exits 0 only if every NOOP was acknowledged.")

    @OptionGroup var broker: BrokerOptions
    @Option(help: "How many NOOPs.")
    var count = 10

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let connector = try broker.makeConnector()
        try await connector.connect()
        var latencies: [Duration] = []
        var failures = 0
        for _ in 0..<count {
            do {
                latencies.append(try await connector.ping())
            } catch {
                failures += 1
                printError("ping: \(error)")
            }
        }
        await connector.close()
        let stats = LatencyStats(latencies)
        printLine("\(latencies.count)/\(count) acknowledged" + (latencies.isEmpty ? "" : "; latency \(stats.summary)"))
        if failures > 0 { throw ExitCode(1) }
    }
}
