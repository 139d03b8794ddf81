import ZMTP

/// What `zmtp cat` does with a socket type: the one place a new type is described.
struct CatRole {
    /// How stdin, stdout and the socket meet.
    enum Flow {
        /// Stdin lines are sent while received messages are printed, independently.
        case duplex
        /// Stdin lines are sent; nothing is received.
        case sendOnly
        /// Received messages are printed; stdin is not read.
        case receiveOnly
        /// Each stdin line is sent and its reply printed before the next (REQ).
        case request
        /// Each request is printed and answered with the next stdin line, or itself with
        /// `--echo` (REP).
        case reply
    }

    var flow: Flow
    /// May answer each request with itself (`--echo`).
    var echoes: Bool
    /// Takes `--subscribe` prefixes.
    var subscribes: Bool
    /// Messages start with the routing-id frame, written in hex (ROUTER).
    var routingIDFirst: Bool

    /// The role of `type`, following libzmq's patterns.
    init(_ type: SocketType) {
        switch type {
        case .dealer, .router, .pair, .xpub, .xsub: flow = .duplex
        case .pub, .push: flow = .sendOnly
        case .sub, .pull: flow = .receiveOnly
        case .req: flow = .request
        case .rep: flow = .reply
        }
        echoes = [.rep, .router, .pair].contains(type)
        subscribes = [.sub, .xsub].contains(type)
        routingIDFirst = type == .router
    }

    /// Subscribes `socket` to `prefix`: a SUB through its subscription API, an XSUB by sending
    /// the subscription message libzmq's XSUB takes (`0x01` + prefix).
    func subscribe(_ socket: ZMTPSocket, to prefix: [UInt8]) throws {
        if socket.type == .sub {
            try socket.subscribe(prefix)
        } else {
            try socket.send([[0x01] + prefix], timeout: .zero)
        }
    }
}
