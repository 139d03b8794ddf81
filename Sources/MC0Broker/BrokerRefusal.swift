import MC0

/// Why the broker refused a client message. `text` is the one-line ERROR MESSAGE sent back;
/// PROTOCOL.md lists every one of them.
enum BrokerRefusal: Error, Equatable {
    case tooLarge(bytes: Int, limit: Int)
    case tooManyFrames(count: Int, limit: Int)
    case unknownVerb(String)
    case malformed(MC0ParseError)
    case brokerOnlyVerb(Verb)
    case notConnected(Verb)
    case missingHeader(Verb, String)
    case unsupportedVersion(String, accepted: [String])
    case badTTL(String)
    case ttlOutOfRange(UInt64, ClosedRange<UInt64>)
    case brokerFull(Int)
    case noTopics(Verb)
    case emptyTopic(Verb)
    case topicTooLong(Verb, length: Int, limit: Int)
    case tooManyTopics(limit: Int)
    /// Not a refusal of one command: the last message to a client disconnected as a slow consumer.
    case slowConsumer(timeoutMilliseconds: UInt64)

    /// "CONNECT, DISCONNECT, SUB, UNSUB, PUT or NOOP"
    static let clientVerbs = Verb.fromClient.dropLast().map(\.rawValue).joined(separator: ", ")
        + " or " + (Verb.fromClient.last?.rawValue ?? "")

    var text: String {
        switch self {
        case .tooLarge(let bytes, let limit):
            return "message of \(bytes) bytes exceeds the broker's limit of \(limit) bytes"
        case .tooManyFrames(let count, let limit):
            return "message of \(count) frames exceeds the broker's limit of \(limit) frames"
        case .unknownVerb(let verb):
            return "unknown verb '\(verb)': a client sends \(Self.clientVerbs)"
        case .malformed(let error):
            return "malformed message: \(error)"
        case .brokerOnlyVerb(let verb):
            return "\(verb.rawValue) is sent only by the broker: a client sends \(Self.clientVerbs)"
        case .notConnected(let verb):
            return "not connected (never connected, or dropped after a TTL of silence): send CONNECT again, then retry \(verb.rawValue)"
        case .missingHeader(let verb, let key):
            return "\(verb.rawValue) needs a \(key) header"
        case .unsupportedVersion(let version, let accepted):
            return "unsupported VERSION '\(version)': this broker speaks mc0 \(accepted.joined(separator: ", "))"
        case .badTTL(let text):
            return "TTL '\(text)' is not a whole number of milliseconds"
        case .ttlOutOfRange(let ttl, let range):
            return "TTL \(ttl) ms is out of range: use \(range.lowerBound) to \(range.upperBound) ms"
        case .brokerFull(let limit):
            return "broker is full (\(limit) clients): try again later"
        case .noTopics(let verb):
            return "\(verb.rawValue) needs at least one topic after the empty frame"
        case .emptyTopic(let verb):
            return verb == .put ? "PUT: TOPIC must not be empty" : "\(verb.rawValue): a topic must not be empty"
        case .topicTooLong(let verb, let length, let limit):
            return "\(verb.rawValue): topic of \(length) bytes exceeds the limit of \(limit) bytes"
        case .tooManyTopics(let limit):
            return "SUB would exceed the limit of \(limit) topics per client: UNSUB some first"
        case .slowConsumer(let timeout):
            return "slow consumer: your queue stayed full for \(timeout) ms, so the broker disconnected you; read faster, then CONNECT again"
        }
    }
}
