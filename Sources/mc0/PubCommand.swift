import ArgumentParser
import MC0Connector

/// `mc0 pub`: acknowledged PUTs.
struct PubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pub",
        abstract: "Publish one message per BODY to a topic, each acknowledged by the broker.",
        discussion: "Exits 0 when every message was acknowledged.")

    @OptionGroup var broker: BrokerOptions
    @Option(help: "Topic to publish to, e.g. 'mcollective discovery'.")
    var topic: String
    @Option(name: .customLong("header"), help: "Header K=V (repeatable); names start with X-, e.g. X-REPLY-TO=...")
    var headers: [String] = []
    @Argument(help: "Message bodies, one message each.")
    var bodies: [String]

    func validate() throws {
        guard !bodies.isEmpty else { throw ValidationError("give at least one BODY") }
        _ = try parsedHeaders()
    }

    func parsedHeaders() throws -> [(String, String)] {
        try headers.map { text in
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ValidationError("--header '\(text)': expected K=V, e.g. X-REPLY-TO=mcollective reply node1 42")
            }
            return (String(text[..<equals]), String(text[text.index(after: equals)...]))
        }
    }

    func run() async throws {
        let headers = try parsedHeaders()
        let connector = try broker.makeConnector()
        try await connector.connect()
        do {
            for body in bodies { try await connector.publish(topic: topic, headers: headers, body: body) }
        } catch {
            await connector.close()
            throw error
        }
        await connector.close()
        printError("published \(bodies.count) message\(bodies.count == 1 ? "" : "s") to '\(topic)'")
    }
}
