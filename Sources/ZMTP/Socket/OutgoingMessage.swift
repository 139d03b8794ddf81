@_spi(Engine) import ZMTPCore

/// What the application may send: `[[UInt8]]` or a `Message`. ROUTER takes the first frame as
/// the routing id and queues the rest.
protocol OutgoingMessage {
    var frameCount: Int { get }
    /// The first frame, as a ROUTER's routing id.
    var routingID: [UInt8] { get }
    /// Queues the frames from `first` on as one whole message.
    func append(to queue: inout FramedMessages, from first: Int)
}

extension Array: OutgoingMessage where Element == [UInt8] {
    var frameCount: Int { count }
    var routingID: [UInt8] { self[0] }

    func append(to queue: inout FramedMessages, from first: Int) {
        queue.append(self[first...])
    }
}

extension Message: OutgoingMessage {
    var frameCount: Int { count }
    var routingID: [UInt8] { Array(self[0]) }
}
