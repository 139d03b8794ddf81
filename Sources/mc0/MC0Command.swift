import ArgumentParser
import MC0

/// `mc0`: tools around the mc0 connector (keys, ping, sub, pub, load).
@main
struct MC0Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mc0",
        abstract: "Tools for mc0, the MCollective messaging system: keys, ping, publish, subscribe, load tests.",
        discussion: """
            Every subcommand that talks to a broker reads an MCollective-style config file (--config FILE: \
            plugin.zeromq.broker.host, plugin.zeromq.broker.port, plugin.zeromq.curve, plugin.zeromq.broker.public_key, \
            plugin.zeromq.public_key, plugin.zeromq.private_key, plugin.zeromq.heartbeat, identity); flags override it.
            """,
        version: MC0Release.version,
        subcommands: [KeygenCommand.self, PingCommand.self, SubCommand.self, PubCommand.self, LoadCommand.self])
}
