import Testing
@testable import ZMTP
@_spi(Engine) @testable import ZMTPCore

/// The byte-buffer queue between a socket's threads: whole messages only, held large frames,
/// hand-over by swap or copy, and the plain ZMTP framing NULL writes as it is.
@Suite struct FramedMessagesTests {
    static let large = (0..<(40 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    static func drain(_ queue: inout FramedMessages, prefix: [UInt8]? = nil) -> [[[UInt8]]] {
        var out: [[[UInt8]]] = []
        while let message = queue.popMessage(prefix: prefix) { out.append(message) }
        return out
    }

    @Test func wholeMessagesComeOutInOrderWithThePrefix() {
        var queue = FramedMessages()
        let messages: [[[UInt8]]] = [[[1]], [[], [2, 3], []], [[UInt8](repeating: 9, count: 300)], [Self.large, [4]]]
        for m in messages { queue.append(m) }
        #expect(queue.count == 4)
        #expect(queue.payloadBytes == 1 + 2 + 300 + Self.large.count + 1)
        #expect(Self.drain(&queue, prefix: [0xAA]) == messages.map { [[0xAA]] + $0 })
        #expect(queue.isEmpty && queue.payloadBytes == 0 && queue.bytes.isEmpty)
    }

    @Test func everyFirstFrameIsCheckedInPlaceAndOnlyThose() {
        var queue = FramedMessages()
        queue.append([[1], [2, 3]] as [[UInt8]])
        queue.append([Self.large, [4]])
        queue.append([[], [5]] as [[UInt8]])
        [UInt8]([6]).withUnsafeBytes { queue.appendFrame($0, more: true) }  // still arriving
        var seen: [[UInt8]] = []
        #expect(queue.allMessages(firstFrame: { seen.append(Array($0)); return true }))
        #expect(seen == [[1], Self.large, []])
        #expect(!queue.allMessages(firstFrame: { !$0.isEmpty }))
        #expect(!queue.allMessages(firstFrame: { $0.count < 100 }))
        #expect(queue.count == 3, "checking takes nothing")
        #expect(Self.drain(&queue) == [[[1], [2, 3]], [Self.large, [4]], [[], [5]]])
    }

    @Test func aMessageStillArrivingIsNeitherCountedNorTakenNorMoved() {
        var source = FramedMessages()
        source.append([[1], [2]] as [[UInt8]])
        [UInt8]([3]).withUnsafeBytes { source.appendFrame($0, more: true) }
        source.appendFrame(Self.large, more: true)
        #expect(source.count == 1)
        var target = FramedMessages()
        source.moveWhole(to: &target)
        #expect(source.count == 0 && target.count == 1)
        #expect(Self.drain(&target) == [[[1], [2]]])
        [UInt8]([4]).withUnsafeBytes { source.appendFrame($0, more: false) }
        #expect(source.count == 1)
        source.moveWhole(to: &target)
        #expect(Self.drain(&target) == [[[3], Self.large, [4]]])
    }

    @Test func handOverBySwapAndByCopyKeepOrder() {
        var target = FramedMessages()
        var source = FramedMessages()
        source.append([[1]] as [[UInt8]])
        source.moveWhole(to: &target)  // target empty: a swap
        source.append([[2]] as [[UInt8]])
        source.append([Self.large] as [[UInt8]])
        source.moveWhole(to: &target)  // target holds unread messages: a copy
        #expect(target.count == 3)
        #expect(target.popMessage() == [[1]])
        source.append([[3]] as [[UInt8]])
        source.moveWhole(to: &target)
        #expect(Self.drain(&target) == [[[2]], [Self.large], [[3]]])
    }

    @Test func aLimitedMoveTakesWholeMessagesThatFitAndAtLeastOne() {
        var source = FramedMessages()
        for i in 0..<10 { source.append([[UInt8](repeating: UInt8(i), count: 100), [UInt8(i)]] as [[UInt8]]) }
        source.append([Self.large] as [[UInt8]])
        var target = FramedMessages()
        source.moveWhole(to: &target, limit: 250)  // a message is 105 bytes of wire form
        #expect(target.count == 2 && source.count == 9)
        #expect(target.payloadBytes == 202 && source.payloadBytes == 8 * 101 + Self.large.count)
        source.moveWhole(to: &target, limit: 1)
        #expect(target.count == 3)
        source.moveWhole(to: &target, limit: 10_000)  // the held frame counts at its size
        #expect(target.count == 10 && source.count == 1)
        source.moveWhole(to: &target, limit: 1)
        #expect(source.isEmpty && source.bytes.isEmpty)
        let drained = Self.drain(&target)
        #expect(drained.count == 11 && drained.last == [Self.large])
        #expect(drained.dropLast() == (0..<10).map { [[UInt8](repeating: UInt8($0), count: 100), [UInt8($0)]] })

        // Nothing held: the whole queue moves, whatever the limit.
        for i in 0..<10 { source.append([[UInt8(i)]] as [[UInt8]]) }
        source.moveWhole(to: &target, limit: 1)
        #expect(source.isEmpty && target.count == 10)
    }

    @Test func plainBytesAreTheNullWireForm() throws {
        var queue = FramedMessages()
        queue.append([[1, 2], [UInt8](repeating: 5, count: 300)] as [[UInt8]])
        #expect(queue.isPlainWhole)
        var wire: [UInt8] = [0xEE]
        queue.moveBytes(to: &wire)
        let expected = [0xEE] + WireFrame(flags: WireFrame.more, body: [1, 2]).encoded()
            + WireFrame(body: [UInt8](repeating: 5, count: 300)).encoded()
        #expect(wire == expected)
        #expect(queue.isEmpty && queue.bytes.isEmpty)
    }

    @Test func heldFramesAreReadWhereTheyLie() {
        var queue = FramedMessages()
        queue.append([[7], Self.large] as [[UInt8]])
        #expect(!queue.isPlainWhole)
        var seen: [([UInt8], Bool)] = []
        queue.drainFrames { body, more in seen.append((Array(body), more)) }
        #expect(seen.map(\.0) == [[7], Self.large])
        #expect(seen.map(\.1) == [true, false])
        #expect(queue.isEmpty)
    }

    @Test func popIntoAReusedMessage() {
        var queue = FramedMessages()
        queue.append([[1, 2, 3], [], Self.large] as [[UInt8]])
        queue.append([[9]] as [[UInt8]])
        var message = Message()
        #expect(queue.popMessage(into: &message, prefix: [0, 1]))
        #expect(message.frames == [[0, 1], [1, 2, 3], [], Self.large])
        message.removeAll()
        #expect(queue.popMessage(into: &message, prefix: nil))
        #expect(message.frames == [[9]])
        #expect(!queue.popMessage(into: &message, prefix: nil))
    }
}

@Suite struct MessageTests {
    @Test func framesSubscriptsAndReuse() {
        var message = Message([[1, 2], [], [3]])
        #expect(message.count == 3)
        #expect(Array(message[0]) == [1, 2] && message[1].isEmpty && Array(message[2]) == [3])
        message.removeAll()
        #expect(message.isEmpty)
        message.append([UInt8](repeating: 4, count: 1000))
        #expect(message.frames == [[UInt8](repeating: 4, count: 1000)])
    }

    @Test func equalityIgnoresWhatRemovedFramesLeftBehind() {
        var reused = Message([[1, 2, 3, 4, 5], [6]])
        reused.removeAll()
        reused.append([7])
        #expect(reused == Message([[7]]))
        #expect(reused != Message([[7], []]))
    }

    @Test func aKeptFrameIsNotChangedByReuse() {
        var message = Message([[1, 2, 3]])
        let kept = message[0]
        message.removeAll()
        message.append([9, 9, 9])
        #expect(Array(kept) == [1, 2, 3])
        #expect(Array(message[0]) == [9, 9, 9])
    }
}

@Suite struct InboundQueueTests {
    @Test func batchesJoinWithoutCopiesAndLeaveTheArrivingMessage() {
        var queue = InboundQueue()
        var received = FramedMessages()
        received.append([[1]] as [[UInt8]])
        received.append([[2], [3]] as [[UInt8]])
        [UInt8]([4]).withUnsafeBytes { received.appendFrame($0, more: true) }
        queue.add(&received)
        #expect(queue.count == 2)
        [UInt8]([5]).withUnsafeBytes { received.appendFrame($0, more: false) }
        queue.add(&received)
        received.append([[6]] as [[UInt8]])
        queue.add(&received)
        #expect(queue.count == 4 && received.isEmpty)
        var out: [[[UInt8]]] = []
        while let m = queue.pop({ $0.popMessage(prefix: [0]) }) { out.append(m) }
        #expect(out == [[[0], [1]], [[0], [2], [3]], [[0], [4], [5]], [[0], [6]]])
        #expect(queue.isEmpty)
    }
}
