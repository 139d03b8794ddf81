import ZMTP

/// What `zmtp cat` does with a socket type: the one place a new type is described.
struct CatRole {
    /// Reads stdin and sends each line (unless `--echo` answers requests instead).
    var sends: Bool
    /// Prints each message received.
    var receives: Bool
    /// May answer each request with itself (`--echo`).
    var echoes: Bool
    /// Takes `--subscribe` prefixes.
    var subscribes: Bool
    /// Messages start with the routing-id frame, written in hex (ROUTER).
    var routingIDFirst: Bool

    /// The role of `type`, following libzmq's patterns.
    init(_ type: SocketType) {
        sends = [.pub, .xpub, .push, .req, .rep, .dealer, .router, .pair, .xsub].contains(type)
        receives = [.sub, .xsub, .xpub, .pull, .req, .rep, .dealer, .router, .pair].contains(type)
        echoes = [.rep, .router, .pair].contains(type)
        subscribes = [.sub, .xsub].contains(type)
        routingIDFirst = type == .router
    }

    /// The types the engine implements; the others are refused as not implemented yet.
    static let implemented: Set<SocketType> = [.dealer, .router]
}
