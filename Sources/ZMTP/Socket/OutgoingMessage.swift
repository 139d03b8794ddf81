@_spi(Engine) import ZMTPCore

/// What the application may send: `[[UInt8]]` or a `Message`. ROUTER takes the first frame as
/// the routing id and queues the rest.
protocol OutgoingMessage {
    var frameCount: Int { get }
    /// The first frame, as a ROUTER's routing id.
    var routingID: [UInt8] { get }
    /// The first frame where it lies, as a topic to match (PUB, XPUB, XSUB).
    var firstFrame: ArraySlice<UInt8> { get }
    /// Queues the frames from `first` on as one whole message.
    func append(to queue: inout FramedMessages, from first: Int)
    /// Every frame, copied: for the patterns that rewrite a message (REQ, REP).
    var allFrames: [[UInt8]] { get }
}

extension Array: OutgoingMessage where Element == [UInt8] {
    var frameCount: Int { count }
    var routingID: [UInt8] { self[0] }
    var firstFrame: ArraySlice<UInt8> { self[0][...] }
    var allFrames: [[UInt8]] { self }

    func append(to queue: inout FramedMessages, from first: Int) {
        queue.append(self, from: first)
    }
}

extension Message: OutgoingMessage {
    var frameCount: Int { count }
    var routingID: [UInt8] { Array(self[0]) }
    var firstFrame: ArraySlice<UInt8> { self[0] }
    var allFrames: [[UInt8]] { frames }
}
