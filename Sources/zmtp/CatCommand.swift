import ArgumentParser
import ZMTP

/// `zmtp cat`: a socket of any type between stdin/stdout and ZeroMQ peers.
struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Send stdin lines as messages and print the messages received, one per line.",
        discussion: """
            A message is one line; its frames are separated by a TAB. Types that send read stdin and send \
            each line; types that receive print each message. ROUTER prints the routing-id frame in hex and \
            takes a hex routing id as the first field of each line it sends. REQ sends a line and prints its \
            reply before the next; REP prints each request and answers it with the next line. REP, ROUTER \
            and PAIR with --echo answer each request with itself instead of reading stdin.
            Exits 0 after --count messages (received, or sent for a type that only sends) or, for a type \
            that only sends, at the end of stdin. --timeout bounds each wait for the next message (or for a \
            peer to take one): past it, the exit status is 1. Bound endpoints are printed on stderr \
            ("bound tcp://127.0.0.1:PORT"), and so are failed handshakes.
            """)

    @Option(help: "Socket type: PAIR, PUB, SUB, REQ, REP, DEALER, ROUTER, PULL, PUSH, XPUB or XSUB.")
    var type: String
    @Option(help: "Endpoint to bind (repeatable), e.g. tcp://127.0.0.1:5555 or tcp://127.0.0.1:0.")
    var bind: [String] = []
    @Option(help: "Endpoint to connect to (repeatable).")
    var connect: [String] = []
    @Option(help: "SUB/XSUB: a prefix to subscribe to (repeatable).")
    var subscribe: [String] = []
    @Option(name: .customLong("curve-server"), help: "Be a CURVE server with the secret key in this key file.")
    var curveServer: String?
    @Option(name: .customLong("curve-server-key"), help: "Be a CURVE client of the server whose public key is in this key file, with a generated key pair.")
    var curveServerKey: String?
    @Option(name: .customLong("plain-server"), help: "Be a PLAIN server checking clients against this users file (user:password lines).")
    var plainServer: String?
    @Option(name: .customLong("plain-client"), help: "Be a PLAIN client with these credentials (USER:PASSWORD; clear text: loopback or ipc only).")
    var plainClient: String?
    @Option(help: "Exit 0 after this many messages.")
    var count: Int?
    @Option(help: "Seconds to wait for each message before exiting with status 1.")
    var timeout: Double?
    @Flag(help: "REP, ROUTER, PAIR: answer each request with itself.")
    var echo = false

    func validate() throws {
        let socketType = try parsedType()
        let role = CatRole(socketType)
        if bind.isEmpty && connect.isEmpty { throw ValidationError("give at least one --bind or --connect") }
        if !subscribe.isEmpty && !role.subscribes { throw ValidationError("--subscribe is for SUB and XSUB sockets, not \(socketType.rawValue)") }
        if echo && !role.echoes { throw ValidationError("--echo is for REP, ROUTER and PAIR sockets, not \(socketType.rawValue)") }
        let securities = [curveServer, curveServerKey, plainServer, plainClient].compactMap { $0 }
        if securities.count > 1 {
            throw ValidationError("choose one of --curve-server, --curve-server-key, --plain-server and --plain-client")
        }
        if let plainClient, !plainClient.contains(":") { throw ValidationError("--plain-client takes USER:PASSWORD") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a number of seconds above 0") }
    }

    private func parsedType() throws -> SocketType {
        guard let socketType = SocketType(rawValue: type.uppercased()) else {
            let known = SocketType.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("unknown socket type \"\(type)\" (one of \(known))")
        }
        return socketType
    }

    func run() throws {
        let socketType = try parsedType()
        var options = SocketOptions()
        options.security = try security()
        // A line for a peer that has not finished its handshake yet waits for it (up to
        // --timeout) instead of being dropped, as libzmq's ROUTER would drop it.
        options.routerMandatory = socketType == .router
        options.onEvent = { event in
            switch event {
            case .handshakeFailed(let peer, let error): printError("handshake with \(peer) failed: \(error)")
            default: break
            }
        }
        let socket = try ZMTPSocket(type: socketType, options: options)
        let handshakes = socket.monitor(capacity: 64)
        let role = CatRole(socketType)
        for prefix in subscribe { try role.subscribe(socket, to: Array(prefix.utf8)) }
        for endpoint in bind { printError("bound \(try socket.bind(endpoint))") }
        for endpoint in connect { try socket.connect(endpoint) }
        let session = CatSession(socket: socket, role: role, handshakes: handshakes, echo: echo, count: count,
                                 timeout: timeout.map { .nanoseconds(Int64($0 * 1e9)) })
        let status = session.run()
        socket.close()
        if status != 0 { throw ExitCode(status) }
    }

    /// The security the flags ask for (validate() allowed at most one).
    private func security() throws -> Security {
        if let curveServer {
            return .curveServer(secretKey: try CurveKeyFile.readSecret(path: curveServer, label: "CURVE server secret key"))
        }
        if let curveServerKey {
            let serverKey = try CurveKeyFile.readPublic(path: curveServerKey, label: "CURVE server public key")
            return .curveClient(serverKey: serverKey, keyPair: .generate())
        }
        if let plainServer {
            return .plainServer(authenticator: try PlainUsers.load(path: plainServer))
        }
        if let plainClient, let colon = plainClient.firstIndex(of: ":") {
            return try .plainClient(username: String(plainClient[..<colon]), password: String(plainClient[plainClient.index(after: colon)...]))
        }
        return .null
    }
}
