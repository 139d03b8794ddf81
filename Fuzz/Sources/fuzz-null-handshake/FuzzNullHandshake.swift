import FuzzSupport
import ZMTP
@_spi(Engine) import ZMTPCore

/// NULL handshake on the ROUTER (broker) side. Input: config(1) | count(1) | chunk lengths |
/// stream. Config bit 0 prepends a valid DEALER greeting (3.1, or 3.0 with bit 1) so the fuzz
/// bytes are the handshake commands; otherwise the input is the whole stream.
/// Properties beyond the engine's (EngineProbe): the handshake completes only with a peer type
/// ROUTER accepts, a connection not ready by the handshake deadline fails with
/// handshakeTimeout, and a ready one is not failed by it.
@main struct FuzzNullHandshake {
    static func main() { runFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(bytes(data, size))
    let config = input.byte()
    let lengths = input.take(Int(input.byte() % 16))
    var stream: [UInt8] = []
    if config & 1 != 0 { stream = Greeting(minor: config & 2 != 0 ? 0 : 1, mechanism: "NULL").encoded() }
    stream += input.rest()

    var options = ConnectionOptions()
    options.maxMessageSize = 1024
    options.handshakeTimeout = 1_000_000_000
    let probe = EngineProbe(type: .router, peerType: .dealer, options: options)
    for chunk in chunked(stream, lengths: lengths) { probe.feed(chunk) }

    if let greeting = probe.connection.peerGreeting {
        require(greeting.mechanism == "NULL" && greeting.major >= 3, "accepted greeting \(greeting)")
    }
    let wasClosed = probe.connection.state == .closed
    let timeout = probe.tick(at: 2_000_000_000)
    if probe.readyCount == 1 {
        // A PING's TTL may legitimately expire by then (heartbeatTimeout); the handshake timer may not.
        require(timeout != .handshakeTimeout, "a completed handshake failed at the handshake deadline")
    } else if !wasClosed {
        require(timeout == .handshakeTimeout, "an unfinished handshake survived its deadline (\(String(describing: timeout)))")
    }
    return 0
}
