import FuzzSupport
@_spi(Engine) import ZMTPCore

/// The PLAIN server handshake, with a users table holding admin:secret. Input: mode(1) | rest.
/// Mode 0: the rest is a sequence of commands (16-bit length | command body) fed to a server:
///   WELCOME answers only the first accepted HELLO, and a completed handshake is always
///   admin's. Mode 1: a real PlainClient's HELLO, altered by input-chosen edits, then INITIATE.
///   Only the intact HELLO is welcomed; an altered one that is still well formed is refused
///   with libzmq's ERROR 400, a malformed one with no ERROR. (Traffic is clear-text framing,
///   which fuzz-frames covers.)
@main struct FuzzPlainServer {
    static func main() { runFuzzer(fuzz) }
}

let users = PlainUsers(["admin": "secret"])
let libzmqError400: [UInt8] = [0x5E] + Array("RROR".utf8) + [3] + Array("400".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(bytes(data, size))
    let feed = CommandFeed(PlainServer(context: handshakeContext(.router), authenticator: users))
    if input.byte() % 2 == 0 {
        rawCommands(feed, &input)
    } else {
        mutatedHandshake(feed, &input)
    }
    return 0
}

func rawCommands(_ feed: CommandFeed, _ input: inout FuzzInput) {
    feedRawCommands(feed, &input, allowed: { $0.name == "READY" || ($0.name == "WELCOME" && $0.data.isEmpty) }, check: {
        if feed.mechanism.isComplete {
            require((feed.mechanism as! PlainServer).userID == "admin", "a handshake completed for someone other than admin")
        }
    })
}

/// Whether `data` is a HELLO body whose lengths account for every byte.
func wellFormedHello(_ data: [UInt8]) -> Bool {
    guard let userLength = data.first.map(Int.init), data.count > userLength + 1 else { return false }
    return data.count == userLength + 2 + Int(data[userLength + 1])
}

func mutatedHandshake(_ feed: CommandFeed, _ input: inout FuzzInput) {
    let client = PlainClient(context: handshakeContext(.dealer), username: Array("admin".utf8), password: Array("secret".utf8))
    guard case let (hello, helloData, welcome)? = feedAlteredHello(feed, from: client, &input, intact: ==) else { return }
    guard let welcome else {
        let refusal = feed.mechanism.refusal(for: feed.failure!)
        require(refusal == (wellFormedHello(helloData) ? libzmqError400 : nil), "refusal \(String(describing: refusal)) for HELLO \(helloData)")
        return
    }
    guard let initiate = try? client.receive(welcome).first else { return require(false, "the client refused a real WELCOME") }
    guard let ready = feed.feed(initiate)?.first else { return require(false, "intact INITIATE refused: \(String(describing: feed.failure))") }
    guard (try? client.receive(ready)) != nil, client.isComplete, feed.mechanism.isComplete else {
        return require(false, "the handshake did not complete")
    }
    require(feed.feed(hello) == nil, "HELLO accepted after completion")
}
