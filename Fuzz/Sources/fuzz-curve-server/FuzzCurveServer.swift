import FuzzSupport
import ZMTP
@_spi(Engine) import ZMTPCore

/// The CURVE server handshake (what mc0d runs for every node). Input: mode(1) | rest.
/// Mode 0: the rest is a sequence of commands (16-bit length | command body) fed to a server.
///   Nobody but the holder of the server's secret key can complete a handshake, so random
///   commands must never do so; WELCOME only ever answers the first HELLO.
/// Mode 1 and 2: a real CurveClient's HELLO and INITIATE, each altered by input-chosen edits,
///   then traffic both ways. An intact handshake completes; HELLO may differ only in its
///   72 padding bytes (libzmq does not read them either); any change to INITIATE is refused.
///   Mode 2 runs with an authorizer that refuses the client: ERROR "400", never READY.
@main struct FuzzCurveServer {
    static func main() { runFuzzer(fuzz) }
}

let helloPadding = 2..<74

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(bytes(data, size))
    let mode = input.byte() % 3
    let authorizer = mode == 2 ? CurveAuthorizer(allowed: [FixedKeys.server.publicKey]) : nil
    let server = CurveServer(context: handshakeContext(.router), secretKey: FixedKeys.server.secretKey, authenticator: authorizer)
    let feed = CommandFeed(server)
    if mode == 0 {
        rawCommands(feed, &input)
    } else {
        mutatedHandshake(feed, refused: mode == 2, &input)
    }
    return 0
}

func rawCommands(_ feed: CommandFeed, _ input: inout FuzzInput) {
    feedRawCommands(feed, &input, allowed: { $0.name == "WELCOME" && $0.data.count == 160 }, check: {
        require(!feed.mechanism.isComplete, "a handshake completed without the server's keys being used by the client")
    })
}

func mutatedHandshake(_ feed: CommandFeed, refused: Bool, _ input: inout FuzzInput) {
    let client = CurveClient(context: handshakeContext(.dealer), serverKey: FixedKeys.server.publicKey, keyPair: FixedKeys.client)
    let step = feedAlteredHello(feed, from: client, &input) { sent, altered in
        differences(sent, altered).allSatisfy { helloPadding.contains($0) } && altered.count == sent.count
    }
    guard case let (hello, _, welcome)? = step, let welcome else { return }

    guard let initiate = try? client.receive(welcome).first else { return require(false, "the client refused a real WELCOME") }
    let initiateData = mutate(initiate.data, &input)
    let ready = feed.feed(Command(name: initiate.name, data: initiateData))
    if initiateData != initiate.data {
        return require(ready == nil, "altered INITIATE accepted (\(differences(initiate.data, initiateData)))")
    }
    let server = feed.mechanism as! CurveServer
    if refused {
        require(ready == nil && feed.failure.map { if case .peerDenied(400, _) = $0 { true } else { false } } == true, "unauthorized client not refused")
        require(server.refusal(for: feed.failure!) == Command.error("400").encoded(), "refusal is not ERROR 400")
        require(server.clientKey == FixedKeys.client.publicKey, "refused client's key not recorded")
        return
    }
    guard let ready = ready?.first else { return require(false, "intact INITIATE refused: \(String(describing: feed.failure))") }
    require(server.isComplete && server.clientKey == FixedKeys.client.publicKey, "server not complete or wrong client key")
    require(server.peerMetadata.socketType == "DEALER", "client metadata lost")
    guard (try? client.receive(ready)) != nil, client.isComplete else { return require(false, "the client refused a real READY") }
    exerciseTraffic(from: client, to: server, &input)
    exerciseTraffic(from: server, to: client, &input)
    // A handshake command after completion is refused.
    require(feed.feed(Command(name: "HELLO", data: hello.data)) == nil, "HELLO accepted after completion")
}
