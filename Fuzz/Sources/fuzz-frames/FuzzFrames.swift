import FuzzSupport
import ZMTP
@_spi(Engine) import ZMTPCore

/// Greeting and frame decoder: a NULL DEALER connection fed the input stream cut into chunks at
/// input-chosen points, checked against a second connection fed the same stream in one piece.
/// Input: config(1) | count(1) | chunk lengths(count % 16) | stream. Config bit 7 prepends a valid
/// greeting and READY so the stream reaches traffic framing; bits 0-2 pick the message size limit.
@main struct FuzzFrames {
    static func main() { runFuzzer(fuzz) }
}

/// A valid ROUTER greeting and READY, as libzmq sends them.
let handshake: [UInt8] = {
    var out = Greeting(mechanism: "NULL").encoded()
    WireFrame.append(flags: WireFrame.command, body: Command.ready(SocketType.router.metadata(identity: [])).encoded(), into: &out)
    return out
}()

/// Limits around the short/long frame boundary, the large-frame path (32 KiB), and none (nil:
/// FuzzRegressionTests.unlimitedMessageSizeHugeFrame).
let limits: [Int?] = [0, 1, 255, 256, 1024, 40_000, 100_000, nil]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(bytes(data, size))
    let config = input.byte()
    let lengths = input.take(Int(input.byte() % 16))
    let stream = (config & 0x80 != 0 ? handshake : []) + input.rest()

    var options = ConnectionOptions()
    options.maxMessageSize = limits[Int(config & 7)]
    options.handshakeByteBudget = 512

    let chunked = EngineProbe(type: .dealer, peerType: .router, options: options)
    for chunk in FuzzSupport.chunked(stream, lengths: lengths) { chunked.feed(chunk) }
    let whole = EngineProbe(type: .dealer, peerType: .router, options: options)
    whole.feed(stream[...])
    // One more chunk after the end must change nothing once closed.
    chunked.feed([0x00, 0x00])
    whole.feed([0x00, 0x00])

    // Framing is independent of how the bytes were cut.
    require(chunked.messages.count == whole.messages.count && zip(chunked.messages, whole.messages).allSatisfy { $0 == $1 },
            "messages differ between chunked (\(chunked.messages.count)) and whole (\(whole.messages.count)) delivery")
    require(chunked.readyCount == whole.readyCount, "handshake outcome depends on chunking")
    require(chunked.error == whole.error, "error depends on chunking: \(String(describing: chunked.error)) vs \(String(describing: whole.error))")
    return 0
}
