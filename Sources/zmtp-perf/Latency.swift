import ArgumentParser
import ZMTP

/// Round trips: a DEALER pings, a ROUTER echoes (on its loop thread, the server face).
struct Latency: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lat", abstract: "Latency: echo or ping.")

    @Argument(help: "echo or ping") var role: String
    @OptionGroup var peer: PeerOptions
    @Option(help: "Bytes per message (ping).") var size = 100
    @Option(help: "Round trips to time (ping).") var count = 10_000
    @Option(help: "Untimed round trips first (ping).") var warmup = 1000

    func validate() throws {
        guard role == "echo" || role == "ping" else { throw ValidationError("role must be echo or ping") }
    }

    func run() throws {
        if role == "echo" { return try echo() }
        let socket = try peer.makeSocket(.dealer)
        try peer.attach(socket)
        try timeRoundTrips(socket, size: size, count: count, warmup: warmup, timeout: peer.timeout)
        socket.close()
    }

    /// Echoes until stdin closes, as the libzmq echo peer does.
    private func echo() throws {
        let socket = try peer.makeSocket(.router)
        socket.serve { routingID, message in try? socket.send([routingID] + message, timeout: .zero) }
        try peer.attach(socket)
        while readLine() != nil {}
        socket.close()
    }
}
