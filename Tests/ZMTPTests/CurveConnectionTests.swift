import Testing
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// Two CURVE `Connection`s wired to each other in memory: large frames, whose payload the engine
/// reads into its own array and opens in place, arriving in pieces and tampered with.
@Suite struct CurveConnectionTests {
    static func context(_ type: SocketType) -> HandshakeContext {
        HandshakeContext(localMetadata: type.metadata(identity: []), validatePeer: type.peerValidator())
    }

    /// A client and a server connection after a complete handshake.
    static func pair() throws -> (client: Connection, server: Connection) {
        let serverPair = CurveKeyPair.generate()
        let client = Connection(mechanism: CurveClient(context: context(.dealer), serverKey: serverPair.publicKey, keyPair: .generate()), now: 0)
        let server = Connection(mechanism: CurveServer(context: context(.router), secretKey: serverPair.secretKey), now: 0)
        for _ in 0..<4 {
            try pump(client, into: server)
            try pump(server, into: client)
        }
        #expect(client.state == .traffic && server.state == .traffic)
        return (client, server)
    }

    static func output(of connection: Connection) -> [UInt8] {
        var out: [UInt8] = []
        try? connection.drainOutput { out.append(contentsOf: $0); return $0.count }
        return out
    }

    static func pump(_ from: Connection, into to: Connection) throws {
        let bytes = output(of: from)
        try bytes.withUnsafeBytes { try to.receive($0, now: 0) }
    }

    /// Feeds `wire` in `chunk`-byte reads, using the direct read into the large frame when the
    /// engine offers it, as the shell does.
    static func feed(_ wire: [UInt8], to connection: Connection, chunk: Int) throws {
        var offset = 0
        while offset < wire.count {
            let direct = try connection.receiveDirect(now: 0) { target in
                let n = min(target.count, chunk, wire.count - offset)
                wire.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
                return n
            }
            if let direct {
                offset += direct
                continue
            }
            let n = min(chunk, wire.count - offset)
            try wire.withUnsafeBytes { try connection.receive(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)]), now: 0) }
            offset += n
        }
    }

    @Test(arguments: [1, 7, 1000, 65_536, 1 << 20])
    func largeFramesArriveInPiecesAndOpen(chunk: Int) throws {
        let (client, server) = try Self.pair()
        let large = (0..<(100 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try client.send([[1, 2], large, [3]])
        try client.send([large])
        try Self.feed(Self.output(of: client), to: server, chunk: chunk)
        #expect(server.received.popMessage() == [[1, 2], large, [3]])
        #expect(server.received.popMessage() == [large])
    }

    /// A CURVE peer flooding PINGs, never reading: the output stays within two PONGs; once
    /// read, the answers open in order (the owed PONG is sealed after what was queued before).
    @Test func pingFloodWithoutDrainOwesOnePong() throws {
        let (client, server) = try Self.pair()
        var flood: [UInt8] = []
        for n in 0..<100_000 {
            let ping = Command.ping(ttlDeciseconds: 0, context: withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) })
            try ping.encoded().withUnsafeBytes { try client.mechanism.encodeFrame($0, more: false, command: true, into: &flood) }
        }
        for start in stride(from: 0, to: flood.count, by: 64 << 10) {
            try flood.withUnsafeBytes { try server.receive(UnsafeRawBufferPointer(rebasing: $0[start..<min(start + (64 << 10), flood.count)]), now: 0) }
            try server.drainOutput { _ in 0 }
            #expect(server.outputCount <= 2 * 60)
        }
        try server.send([[1]])
        try Self.pump(server, into: client)
        #expect(client.state == .traffic)
        #expect(client.received.popMessage() == [[1]])
    }

    /// A flipped byte in the envelope (name, nonce, MAC, sealed flags) or the payload of a large
    /// frame: refused, nothing delivered.
    @Test(arguments: [2, 9, 20, 30, 32, 33, 5000, 100_000])
    func tamperedLargeFrameIsRefused(offset: Int) throws {
        let (client, server) = try Self.pair()
        try client.send([(0..<(100 << 10)).map { UInt8(truncatingIfNeeded: $0) }])
        var wire = Self.output(of: client)
        wire[9 + offset] ^= 0x20  // past the 9-byte long frame header
        #expect(throws: ZMTPError.self) { try Self.feed(wire, to: server, chunk: 4096) }
        #expect(server.received.isEmpty && server.state == .closed)
    }
}
