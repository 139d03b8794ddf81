import FuzzSupport
import ZMTP
@_spi(Engine) import ZMTPCore

/// A peer that never reads: after a completed handshake (NULL, or CURVE with us as the server,
/// as mc0d runs), input-chosen PING floods, commands, messages, raw bytes and clock ticks reach
/// our connection while the kernel takes none of its output. Whatever the peer sends, the bytes
/// owed to it stay under `outputBound` (one PONG and one PING at most). At the end a conforming
/// peer reads everything owed and must accept it (CURVE: the nonces in order).
/// Input: mode(1) | steps. Mode bit 0: CURVE; bit 1: our heartbeat on; bit 2: the shell never
/// even offers the output (no drain call at all). Each step is op(1) and its operands:
///   0 n(1) ctx(1) bytes: n+1 PINGs with a context of ctx % 32 bytes from the input
///   1 record: a command frame with the record as its body
///   2 count(1) records: one message of count % 4 + 1 frames
///   3 record: raw bytes, as they are (usually a protocol error)
///   4 t(1): the clock moves t x 100 ms, then the timers run
@main struct FuzzUndrained {
    static func main() { runFuzzer(fuzz) }
}

/// A CURVE PONG with the largest context (16 bytes) is 56 bytes on the wire, a PING 42.
let outputBound = 256

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(bytes(data, size))
    let mode = input.byte()
    var options = ConnectionOptions()
    if mode & 2 != 0 {
        options.heartbeatInterval = 1_000_000_000
        options.heartbeatTTL = 3_000_000_000
        options.heartbeatTimeout = 30_000_000_000
    }
    let (server, client) = handshake(curve: mode & 1 != 0, options: options)
    var now: UInt64 = 1
    let offersOutput = mode & 4 == 0

    while !input.isAtEnd, server.state == .traffic {
        var wire: [UInt8] = []
        switch input.byte() % 5 {
        case 0:
            let count = Int(input.byte()) + 1
            let context = input.take(Int(input.byte() % 32))
            let ping = Command(name: "PING", data: [0, 0] + context).encoded()
            for _ in 0..<count { seal(ping, command: true, more: false, by: client, into: &wire) }
        case 1:
            seal(input.take(input.uint16()), command: true, more: false, by: client, into: &wire)
        case 2:
            let frames = Int(input.byte() % 4) + 1
            for i in 0..<frames { seal(input.take(Int(input.byte())), command: false, more: i < frames - 1, by: client, into: &wire) }
        case 3:
            wire = input.take(input.uint16())
        default:
            now += UInt64(input.byte()) * 100_000_000
            run { try server.tick(now: now) }
        }
        if !wire.isEmpty { run { try wire.withUnsafeBytes { try server.receive($0, now: now) } } }
        while server.received.popMessage() != nil {}  // the application keeps up; only the peer does not
        if offersOutput { run { try server.drainOutput { _ in 0 } } }
        require(server.outputCount <= outputBound, "\(server.outputCount) bytes owed to a peer that never reads (bound \(outputBound))")
    }
    guard server.state == .traffic else { return 0 }
    // The peer finally reads: everything owed goes out and a conforming peer takes it.
    var out: [UInt8] = []
    run { try server.drainOutput { out.append(contentsOf: $0); return $0.count } }
    require(!server.hasOutput, "output left after a full drain")
    do {
        try out.withUnsafeBytes { try client.receive($0, now: now) }
    } catch {
        require(false, "our output is refused by a conforming peer: \(error)")
    }
    return 0
}

/// A server and a client connection after a completed handshake, the server's output drained.
func handshake(curve: Bool, options: ConnectionOptions) -> (server: Connection, client: Connection) {
    let server: Connection
    let client: Connection
    if curve {
        server = Connection(mechanism: CurveServer(context: handshakeContext(.router), secretKey: FixedKeys.server.secretKey),
                            options: options, now: 0)
        client = Connection(mechanism: CurveClient(context: handshakeContext(.dealer), serverKey: FixedKeys.server.publicKey,
                                                   keyPair: FixedKeys.client), now: 0)
    } else {
        server = Connection(mechanism: NullMechanism(context: handshakeContext(.router)), options: options, now: 0)
        client = Connection(mechanism: NullMechanism(context: handshakeContext(.dealer)), now: 0)
    }
    for _ in 0..<4 {
        pump(from: client, to: server)
        pump(from: server, to: client)
    }
    require(server.state == .traffic && client.state == .traffic, "handshake did not complete")
    return (server, client)
}

func pump(from: Connection, to: Connection) {
    var bytes: [UInt8] = []
    run { try from.drainOutput { bytes.append(contentsOf: $0); return $0.count } }
    run { try bytes.withUnsafeBytes { try to.receive($0, now: 0) } }
}

/// One frame as the client's mechanism encodes it (CURVE seals it with the client's next nonce).
func seal(_ body: [UInt8], command: Bool, more: Bool, by client: Connection, into wire: inout [UInt8]) {
    run { try body.withUnsafeBytes { try client.mechanism.encodeFrame($0, more: more, command: command, into: &wire) } }
}

/// Runs `body`; a ZMTPError is the peer's fault and closes the connection, anything else fails.
func run(_ body: () throws -> Void) {
    do {
        try body()
    } catch is ZMTPError {
        return
    } catch {
        require(false, "threw a non-ZMTP error: \(error)")
    }
}
