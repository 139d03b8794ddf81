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

    /// Feeds `wire` in reads of at most `chunk` bytes, using the direct read into the large
    /// frame and the read ahead into the next one when the engine offers them, as the shell does.
    static func feed(_ wire: [UInt8], to connection: Connection, chunk: Int) throws {
        var offset = 0
        /// Copies the next bytes into `target`, at most `limit`.
        func read(into target: UnsafeMutableRawBufferPointer, limit: Int) -> Int {
            let n = min(target.count, limit, wire.count - offset)
            wire.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
            offset += n
            return n
        }
        while offset < wire.count {
            if try connection.receiveDirect(now: 0, { read(into: $0, limit: chunk) }) != nil { continue }
            let ahead = try connection.receiveAhead(now: 0) { head, body in
                let n = read(into: head, limit: chunk)
                return n < head.count ? n : n + read(into: body, limit: chunk - n)
            }
            if ahead != nil { continue }
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

    /// A stream of large frames of one size is read ahead, header and envelope apart and the
    /// payload straight into its array; a frame of another size or a small one after them is
    /// taken as any input, whatever the reads' sizes.
    @Test(arguments: [1, 40, 42, 43, 65_578, 65_579, 100_000, 1 << 20])
    func likeLargeFramesAreReadAhead(chunk: Int) throws {
        let (client, server) = try Self.pair()
        let large = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let larger = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let messages = [[large], [large], [large, [1]], [large], [larger], [larger], [[2]], [large], [large]]
        for message in messages { try client.send(message) }
        try Self.feed(Self.output(of: client), to: server, chunk: chunk)
        for message in messages { #expect(server.received.popMessage() == message) }
        #expect(server.received.isEmpty && server.state == .traffic)
    }

    /// A flipped byte in a frame read ahead (its header, envelope or payload): refused.
    @Test(arguments: [0, 9 + 2, 9 + 12, 9 + 20, 9 + 32, 9 + 40_000])
    func tamperedFrameReadAheadIsRefused(offset: Int) throws {
        let (client, server) = try Self.pair()
        let large = [UInt8](repeating: 0x6D, count: 65_536)
        try client.send([large])
        let first = Self.output(of: client)
        try client.send([large])
        var second = Self.output(of: client)
        second[offset] ^= 0x20
        #expect(throws: ZMTPError.self) { try Self.feed(first + second, to: server, chunk: 1 << 20) }
        #expect(server.received.popMessage() == [large])
        #expect(server.received.isEmpty && server.state == .closed)
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
