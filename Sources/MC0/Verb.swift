/// The verbs of mc0 protocol 0.3. Raw values are the exact bytes sent on the wire
/// (case-sensitive, as in the original brokers).
public enum Verb: String, Sendable, CaseIterable {
    // From the client.
    case connect = "CONNECT"
    case disconnect = "DISCONNECT"
    case sub = "SUB"
    case unsub = "UNSUB"
    case put = "PUT"
    // From either end (heartbeat).
    case noop = "NOOP"
    // From the broker.
    case message = "MESSAGE"
    case error = "ERROR"
    case ok = "OK"

    /// Verbs a client may send to the broker.
    public static let fromClient: [Verb] = [.connect, .disconnect, .sub, .unsub, .put, .noop]

    /// The verb whose wire bytes are exactly `bytes`, or nil. Compares bytes, so the broker's
    /// per-message parse makes no String for the verb.
    init?(bytes: [UInt8]) {
        guard let index = Verb.wireBytes.firstIndex(of: bytes) else { return nil }
        self = Verb.allCases[index]
    }

    /// Each case's raw value as bytes, in `allCases` order.
    private static let wireBytes: [[UInt8]] = Verb.allCases.map { Array($0.rawValue.utf8) }

    /// True for verbs that carry a body section: their encoding always has the empty
    /// separator frame, even when the body is empty, as the original broker sends it.
    public var carriesBody: Bool { self == .put || self == .message }
}

/// Header keys the protocol defines. Every other key except those starting with `X-` is
/// reserved; PUT forwards whatever headers it is given (except ID) to subscribers.
public enum MC0Header {
    public static let id = "ID"
    public static let topic = "TOPIC"
    public static let version = "VERSION"
    public static let ttl = "TTL"
    public static let message = "MESSAGE"

    /// The protocol's own key whose bytes are `bytes`, as its constant String, or nil. Parsing
    /// these (every request carries one) then neither validates UTF-8 nor makes a String.
    static func known(_ bytes: [UInt8]) -> String? {
        guard let index = wireBytes.firstIndex(of: bytes) else { return nil }
        return all[index]
    }

    private static let all = [id, topic, version, ttl, message]
    private static let wireBytes: [[UInt8]] = all.map { Array($0.utf8) }
}

/// The protocol version this implementation speaks.
public let mc0ProtocolVersion = "0.3"
