import ZMTP
@_spi(Engine) import ZMTPCore

/// Drives one NULL `Connection` the way the I/O shell does (bytes in, output drained) and
/// records what it reports, checking on the way the properties every input must keep:
/// only `ZMTPError`s are thrown, a closed connection stays closed and silent, no message
/// exceeds `maxMessageSize`, no message comes before the handshake, no allocation grows with a
/// size the peer merely announces, and everything the connection writes is accepted by a
/// conforming peer (a second Connection that reads our output).
package final class EngineProbe {
    package let connection: Connection
    package private(set) var messages: [[[UInt8]]] = []
    package private(set) var readyCount = 0
    package private(set) var error: ZMTPError?
    private let peer: Connection
    private let frameLimit: Int
    private var now: UInt64 = 1

    package init(type: SocketType, peerType: SocketType, options: ConnectionOptions) {
        connection = Connection(mechanism: NullMechanism(context: handshakeContext(type)), options: options, now: now)
        peer = Connection(mechanism: NullMechanism(context: handshakeContext(peerType)), now: now)
        // Without a limit the engine stages a large frame in at most 1 MiB, then grows it only
        // as bytes arrive (never by the announced size).
        frameLimit = max((options.maxMessageSize ?? (1 << 20)) + 64, options.handshakeByteBudget) + 9
        connection.onReady = { [unowned self] metadata in
            require(self.readyCount == 0, "onReady called twice")
            require(self.connection.state == .traffic, "onReady in state \(self.connection.state)")
            require(type.accepts(metadata.socketType ?? ""), "handshake accepted peer type \(metadata.socketType ?? "(none)") for \(type)")
            self.readyCount += 1
        }
    }

    /// Feeds one chunk; the time moves on a little each time.
    package func feed(_ chunk: ArraySlice<UInt8>) {
        now += 1_000
        let wasClosed = connection.state == .closed
        let before = messages.count
        let (thrown, largest) = AllocationMeter.measure { () -> Error? in
            do {
                try chunk.withUnsafeBytes { try connection.receive($0, now: now) }
                return nil
            } catch {
                return error
            }
        }
        while let frames = connection.received.popMessage() {
            require(readyCount == 1, "message delivered before the handshake completed")
            let size = frames.reduce(0) { $0 + $1.count }
            if let max = connection.options.maxMessageSize { require(size <= max, "message of \(size) bytes delivered, limit \(max)") }
            messages.append(frames)
        }
        // Array growth may double what it holds: the pending partial frame plus this chunk.
        let bound = 2 * (frameLimit + chunk.count) + 4096
        require(largest <= bound, "allocated \(largest) bytes in one block feeding \(chunk.count) bytes (bound \(bound))")
        if wasClosed {
            require(thrown == nil && messages.count == before, "a closed connection threw or delivered")
        }
        if let thrown {
            guard let zmtp = thrown as? ZMTPError else { return require(false, "receive threw a non-ZMTP error: \(thrown)") }
            require(connection.state == .closed, "state \(connection.state) after throwing \(zmtp)")
            require(error == nil, "threw twice")
            error = zmtp
        }
        drain()
    }

    /// Runs the timers at `at`; returns what `tick` threw (a ZMTPError, checked).
    package func tick(at: UInt64) -> ZMTPError? {
        now = max(now, at)
        do {
            try connection.tick(now: now)
            return nil
        } catch let zmtp as ZMTPError {
            require(connection.state == .closed, "state \(connection.state) after tick threw \(zmtp)")
            error = error ?? zmtp
            return zmtp
        } catch {
            require(false, "tick threw a non-ZMTP error: \(error)")
            return nil
        }
    }

    /// Writes out what the connection left for the peer, and checks a conforming peer takes it.
    package func drain() {
        var out: [UInt8] = []
        do {
            try connection.drainOutput { buf in
                out.append(contentsOf: buf)
                return buf.count
            }
        } catch {
            require(false, "a full drain threw: \(error)")
        }
        require(!connection.hasOutput, "output left after a full drain")
        do {
            try out.withUnsafeBytes { try peer.receive($0, now: now) }
        } catch {
            require(false, "our own output is refused by a conforming peer: \(error)")
        }
    }
}
