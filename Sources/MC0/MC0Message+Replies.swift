/// Builders for the messages the broker sends.
extension MC0Message {
    /// `["", "OK", "ID", id]`: the command carrying this ID took effect.
    public static func ok(id: [UInt8]) -> MC0Message {
        MC0Message(verb: .ok, headers: [(key: MC0Header.id, value: id)])
    }

    /// The frames of `ok(id:)`, built from shared constant frames: the broker answers every
    /// acked request with one.
    public static func okFrames(id: [UInt8]) -> [[UInt8]] {
        [[], okVerbFrame, idKeyFrame, id]
    }

    private static let okVerbFrame = Array(Verb.ok.rawValue.utf8)
    private static let idKeyFrame = Array(MC0Header.id.utf8)

    /// `["", "ERROR", "MESSAGE", text]`, plus `"ID", id` when the request carried one.
    public static func error(message: String, id: [UInt8]? = nil) -> MC0Message {
        var headers: [(key: String, value: [UInt8])] = [(key: MC0Header.message, value: Array(message.utf8))]
        if let id { headers.append((key: MC0Header.id, value: id)) }
        return MC0Message(verb: .error, headers: headers)
    }

    /// `["", "NOOP"]`: a heartbeat.
    public static let noop = MC0Message(verb: .noop)

    /// `["", "MESSAGE", "TOPIC", topic, headers..., "", body...]`: a PUT delivered to a
    /// subscriber. `headers` must not contain TOPIC or ID; the caller filters them.
    public static func message(topic: [UInt8], headers: [(key: String, value: [UInt8])] = [], body: [[UInt8]]) -> MC0Message {
        MC0Message(verb: .message, headers: [(key: MC0Header.topic, value: topic)] + headers, positional: body)
    }
}
