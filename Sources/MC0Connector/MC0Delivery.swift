/// One MESSAGE from the broker: a PUT on a topic this connector subscribed to.
public struct MC0Delivery: Sendable, Equatable {
    public var topic: String
    /// The PUT's headers (TOPIC and ID removed), in the order they were sent.
    public var headers: [(key: String, value: [UInt8])]
    /// The body frames, unchanged.
    public var body: [[UInt8]]

    public init(topic: String, headers: [(key: String, value: [UInt8])] = [], body: [[UInt8]]) {
        self.topic = topic
        self.headers = headers
        self.body = body
    }

    /// The value of header `key` as text (invalid UTF-8 repaired), or nil.
    public func header(_ key: String) -> String? {
        headers.first { $0.key == key }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// The body frames joined, as text (invalid UTF-8 repaired).
    public var bodyText: String {
        String(decoding: body.joined(), as: UTF8.self)
    }

    /// Where replies to this request go (MCollective's `X-REPLY-TO`), if it says.
    public var replyTo: String? { header(MCollectiveTopic.replyToHeader) }

    public static func == (a: MC0Delivery, b: MC0Delivery) -> Bool {
        a.topic == b.topic && a.body == b.body && a.headers.count == b.headers.count
            && zip(a.headers, b.headers).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
