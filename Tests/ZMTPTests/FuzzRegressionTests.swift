import Testing
import ZMTP
@_spi(Engine) import ZMTPCore

/// Inputs the fuzz targets (Fuzz/, run with `Fuzz/run SECONDS`) found to break the engine,
/// minimised, each kept as a test so the fix stays fixed.
@Suite struct FuzzRegressionTests {
    /// A NULL connection on the DEALER side that has completed its handshake with a ROUTER.
    static func openConnection(maxMessageSize: Int?, maxFramesPerMessage: Int? = 1 << 16) throws -> Connection {
        var options = ConnectionOptions()
        options.maxMessageSize = maxMessageSize
        options.maxFramesPerMessage = maxFramesPerMessage
        let context = HandshakeContext(localMetadata: SocketType.dealer.metadata(identity: []),
                                       validatePeer: SocketType.dealer.peerValidator())
        let connection = Connection(mechanism: NullMechanism(context: context), options: options, now: 0)
        var handshake = Greeting(mechanism: "NULL").encoded()
        WireFrame.append(flags: WireFrame.command, body: Command.ready(SocketType.router.metadata(identity: [])).encoded(), into: &handshake)
        try handshake.withUnsafeBytes { try connection.receive($0, now: 1) }
        return connection
    }

    /// fuzz-frames, input `ff 01 a3 03 00 ff 00 03 02 ff 01` under config "no limit": with
    /// `maxMessageSize = nil` a frame header announcing up to 2^63-1 bytes made the engine
    /// allocate the announced size at once (Connection.startLargeFrame), which traps the
    /// process. Nine bytes from any peer that completes a NULL handshake crash the server.
    /// Runs in a child process so the trap fails this test, not the suite.
    @Test func unlimitedMessageSizeHugeFrame() async {
        await #expect(processExitsWith: .success) {
            let connection = try FuzzRegressionTests.openConnection(maxMessageSize: nil)
            let header: [UInt8] = [0x02, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x61]
            do {
                try header.withUnsafeBytes { try connection.receive($0, now: 2) }
            } catch is ZMTPError {
                // Refusing the frame is fine; trapping is not.
            }
        }
    }

    /// fuzz-frames (allocation bound): a message of empty frames with MORE set costs the peer
    /// two bytes per frame and the engine an array slot (8 bytes, 16 with growth) per frame,
    /// and empty frames add nothing to the size checked against `maxMessageSize`: a peer that
    /// never sends the last frame grows memory without bound (3,000 frames: one 32 KB block
    /// with a 1 KiB limit). The frame cap (maxFramesPerMessage) bounds what a message costs.
    @Test func emptyMoreFramesAreBoundedByTheFrameCap() throws {
        let connection = try Self.openConnection(maxMessageSize: 1024, maxFramesPerMessage: 1000)
        let frames = [UInt8](repeating: 0, count: 2 * 100_000).enumerated().map { $0.offset % 2 == 0 ? WireFrame.more : 0 }
        #expect(throws: ZMTPError.self) {
            try frames.withUnsafeBytes { try connection.receive($0, now: 2) }
        }
    }
}
