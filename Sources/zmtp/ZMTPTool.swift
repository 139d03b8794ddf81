import ArgumentParser

/// `zmtp`: tools to talk to ZeroMQ peers from a shell.
@main
struct ZMTPTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmtp",
        abstract: "Talk to ZeroMQ (ZMTP 3) peers from a shell.",
        subcommands: [CatCommand.self])
}
