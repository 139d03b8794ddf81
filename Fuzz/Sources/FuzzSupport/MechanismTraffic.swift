import ZMTP
@_spi(Engine) import ZMTPCore

/// One wire frame as the mechanism emits it: the frame header is removed, so the flags and
/// body are what `decodeFrame` is given.
package struct SealedFrame {
    package var flags: UInt8
    package var body: [UInt8]

    package init(flags: UInt8, body: [UInt8]) {
        self.flags = flags
        self.body = body
    }
}

/// Encodes `body` with `sender`'s traffic encoding and splits the single wire frame it wrote.
package func seal(_ body: [UInt8], more: Bool, command: Bool, by sender: SecurityMechanism) -> SealedFrame {
    var wire: [UInt8] = []
    do {
        try body.withUnsafeBytes { try sender.encodeFrame($0, more: more, command: command, into: &wire) }
    } catch {
        require(false, "a completed mechanism refused to encode: \(error)")
    }
    let header = try? wire.withUnsafeBytes { try FrameHeader.parse($0) }
    guard let header, header.headerSize + Int(header.bodySize) == wire.count else {
        require(false, "encodeFrame wrote \(wire.count) bytes that are not exactly one frame")
        return SealedFrame(flags: 0, body: [])
    }
    return SealedFrame(flags: header.flags, body: Array(wire[header.headerSize...]))
}

/// Decodes a frame, returning the frame or the ZMTPError (any other error fails the run).
package func open(_ frame: SealedFrame, by receiver: SecurityMechanism) -> Result<WireFrame, ZMTPError> {
    do {
        return .success(try frame.body.withUnsafeBytes { try receiver.decodeFrame(flags: frame.flags, body: $0) })
    } catch let error as ZMTPError {
        return .failure(error)
    } catch {
        require(false, "decodeFrame threw a non-ZMTP error: \(error)")
        return .failure(.badMessage("unreachable"))
    }
}

/// Sends input-chosen messages from `sender` to `receiver` after a completed handshake, some
/// of them altered or replayed. Unaltered frames must arrive exactly (body, MORE, COMMAND);
/// altered, replayed or reordered ones must be refused, and never decode to anything.
package func exerciseTraffic(from sender: SecurityMechanism, to receiver: SecurityMechanism, _ input: inout FuzzInput) {
    var sent: [SealedFrame] = []
    for _ in 0..<8 where !input.isAtEnd {
        let flags = input.byte()
        let body = input.take(Int(input.byte()))
        let frame = seal(body, more: flags & 1 != 0, command: flags & 2 != 0, by: sender)
        var delivered = frame
        if flags & 4 != 0 { delivered.body = mutate(frame.body, &input) }
        if flags & 8 != 0 { delivered.flags = input.byte() }  // outer flags are ignored by CURVE
        let replay = flags & 16 != 0 ? sent.last : nil
        sent.append(frame)
        if let replay {
            guard case .failure = open(replay, by: receiver) else { return require(false, "a replayed frame was accepted") }
        }
        switch open(delivered, by: receiver) {
        case .success(let got):
            require(delivered.body == frame.body, "an altered frame decoded (\(differences(frame.body, delivered.body)))")
            require(got.body == body && got.hasMore == (flags & 1 != 0) && got.isCommand == (flags & 2 != 0),
                    "frame decoded to other content or flags")
        case .failure(let error):
            require(delivered.body != frame.body, "an intact frame was refused: \(error)")
            return  // the engine closes the connection here
        }
    }
}
