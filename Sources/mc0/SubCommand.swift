import ArgumentParser
import MC0Connector

/// `mc0 sub`: prints the bodies of messages on a topic.
struct SubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sub",
        abstract: "Subscribe to topics and print each message body on its own line as it arrives.",
        discussion: "Prints 'subscribed to ...' on stderr once the broker acknowledged. Without --count it runs until interrupted.")

    @OptionGroup var broker: BrokerOptions
    @Option(help: "Topic to subscribe to (repeat for several), e.g. 'mcollective discovery'.")
    var topic: [String] = []
    @Option(help: "Exit after this many messages.")
    var count: Int?
    @Flag(help: "Print the topic and headers before each body.")
    var verbose = false

    func validate() throws {
        guard !topic.isEmpty else { throw ValidationError("give at least one --topic") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let connector = try broker.makeConnector()
        try await connector.connect()
        try await connector.subscribe(topic)
        printError("subscribed to \(topic.map { "'\($0)'" }.joined(separator: ", "))")
        var received = 0
        for await message in connector.messages {
            if verbose {
                let headers = message.headers.map { "\($0.key)=\(String(decoding: $0.value, as: UTF8.self))" }
                printLine("[\(message.topic)] \(headers.joined(separator: " ")) \(message.bodyText)")
            } else {
                printLine(message.bodyText)
            }
            received += 1
            if let count, received >= count { break }
        }
        await connector.close()
    }
}
