import FuzzSupport
import ZMTP
@_spi(Engine) import ZMTPCore

/// The CURVE client handshake (what every node runs against mc0d). Input: mode(1) | rest.
/// Mode 0: after HELLO, the rest is a sequence of commands (16-bit length | body) as if from
///   the server. Without the server's secret key no WELCOME opens, so the client never
///   completes and never sends INITIATE; a well-formed ERROR is reported with its reason.
/// Mode 1: a real CurveServer's WELCOME and READY, each altered by input-chosen edits, then
///   traffic both ways. Intact commands complete the handshake; any change is refused.
@main struct FuzzCurveClient {
    static func main() { runFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(bytes(data, size))
    let mode = input.byte() % 2
    let client = CurveClient(context: handshakeContext(.dealer), serverKey: FixedKeys.server.publicKey, keyPair: FixedKeys.client)
    guard let hello = try? client.start().first else {
        require(false, "CurveClient.start failed")
        return 0
    }
    let feed = CommandFeed(client)
    if mode == 0 {
        rawCommands(feed, &input)
    } else {
        mutatedHandshake(feed, hello: hello, &input)
    }
    return 0
}

func rawCommands(_ feed: CommandFeed, _ input: inout FuzzInput) {
    for body in input.records(limit: 16) {
        let before = feed.failure
        let replies = feed.feed(raw: body)
        require(replies == nil, "the client answered a forged command: \(replies!.map(\.name))")
        if before == nil, let command = try? Command.decode(body), command.name == "ERROR" {
            let reason = try? Command.errorReason(command.data)
            require(feed.failure == reason.map { .peerError(reason: $0) } ?? .malformedCommand("ERROR reason length does not match its body"),
                    "ERROR reported as \(String(describing: feed.failure))")
        }
        require(!feed.mechanism.isComplete, "handshake completed without the server's secret key")
    }
    let probe = SealedFrame(flags: 0, body: [UInt8](repeating: 0, count: 40))
    guard case .failure = open(probe, by: feed.mechanism) else { return require(false, "MESSAGE decoded before the handshake") }
}

func mutatedHandshake(_ feed: CommandFeed, hello: Command, _ input: inout FuzzInput) {
    let server = CurveServer(context: handshakeContext(.router), secretKey: FixedKeys.server.secretKey)
    guard let welcome = (try? server.receive(hello))?.first else { return require(false, "the server refused a real HELLO") }
    let welcomeData = mutate(welcome.data, &input)
    let initiate = feed.feed(Command(name: welcome.name, data: welcomeData))
    require((initiate != nil) == (welcomeData == welcome.data),
            "WELCOME altered at \(differences(welcome.data, welcomeData)) was \(initiate == nil ? "refused" : "accepted")")
    guard let initiate = initiate?.first else { return }
    require(initiate.name == "INITIATE", "client answered WELCOME with \(initiate.name)")

    guard let ready = (try? server.receive(initiate))?.first else { return require(false, "the server refused a real INITIATE") }
    let readyData = mutate(ready.data, &input)
    let done = feed.feed(Command(name: ready.name, data: readyData))
    require((done != nil) == (readyData == ready.data),
            "READY altered at \(differences(ready.data, readyData)) was \(done == nil ? "refused" : "accepted")")
    guard done != nil else { return }
    let client = feed.mechanism
    require(client.isComplete && client.peerMetadata.socketType == "ROUTER", "client incomplete or server metadata lost")

    exerciseTraffic(from: server, to: client, &input)
    exerciseTraffic(from: client, to: server, &input)
}
