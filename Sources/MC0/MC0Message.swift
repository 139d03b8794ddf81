/// One mc0 message, as a DEALER client sends it or a ROUTER broker receives it once the
/// routing-id frame is removed:
///
///     ["", VERB, K1, V1, ..., ("", positional...)?]
///
/// The header list is read pairwise: at a key position an empty frame ends the headers
/// (keys are never empty), so header values may be empty. Header values are bytes; keys
/// are UTF-8 text.
public struct MC0Message: Equatable, Sendable {
    public var verb: Verb
    /// Headers in the order they were sent.
    public var headers: [(key: String, value: [UInt8])]
    /// Frames after the empty separator: SUB/UNSUB topics, PUT/MESSAGE body frames.
    public var positional: [[UInt8]]

    public init(verb: Verb, headers: [(key: String, value: [UInt8])] = [], positional: [[UInt8]] = []) {
        self.verb = verb
        self.headers = headers
        self.positional = positional
    }

    /// The value of the first header named `key`, or nil.
    public func header(_ key: String) -> [UInt8]? {
        headers.first { $0.key == key }?.value
    }

    public static func == (lhs: MC0Message, rhs: MC0Message) -> Bool {
        lhs.verb == rhs.verb
            && lhs.positional == rhs.positional
            && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension MC0Message {
    /// Decodes a frame list. Throws a precise `MC0ParseError`; never traps on any input.
    public static func parse(_ frames: [[UInt8]]) throws(MC0ParseError) -> MC0Message {
        guard let first = frames.first else { throw .emptyMessage }
        guard first.isEmpty else { throw .missingDelimiter }
        guard frames.count > 1, !frames[1].isEmpty else { throw .missingVerb }
        guard let verb = Verb(bytes: frames[1]) else { throw .unknownVerb(printableText(frames[1])) }
        var headers: [(key: String, value: [UInt8])] = []
        var index = 2
        while index < frames.count {
            let keyFrame = frames[index]
            if keyFrame.isEmpty {
                return MC0Message(verb: verb, headers: headers, positional: Array(frames[(index + 1)...]))
            }
            guard let key = MC0Header.known(keyFrame) ?? String(validating: keyFrame, as: UTF8.self) else {
                throw .headerKeyNotText(frame: index)
            }
            guard index + 1 < frames.count else { throw .oddHeaderList(key: printableText(keyFrame)) }
            if headers.contains(where: { $0.key == key }) { throw .duplicateHeader(printableText(keyFrame)) }
            headers.append((key: key, value: frames[index + 1]))
            index += 2
        }
        return MC0Message(verb: verb, headers: headers, positional: [])
    }

    /// The value of the `ID` header read from frames that may not parse, so that an ERROR
    /// about a malformed message can still carry the request's ID. Reads header pairs until
    /// the first problem; nil when no ID was found before it.
    public static func bestEffortID(in frames: [[UInt8]]) -> [UInt8]? {
        guard frames.count > 1, frames[0].isEmpty else { return nil }
        var index = 2
        let idKey = Array(MC0Header.id.utf8)
        while index + 1 < frames.count, !frames[index].isEmpty {
            if frames[index] == idKey { return frames[index + 1] }
            index += 2
        }
        return nil
    }

    /// Encodes the message: the empty delimiter, the verb, the header pairs, then the empty
    /// separator and the positional frames. The separator is written when there are
    /// positional frames, and always for PUT and MESSAGE (the body section is part of their
    /// layout even when empty, as the original broker sends MESSAGE).
    public func frames() -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(2 + headers.count * 2 + 1 + positional.count)
        out.append([])
        out.append(Array(verb.rawValue.utf8))
        for header in headers {
            out.append(Array(header.key.utf8))
            out.append(header.value)
        }
        if !positional.isEmpty || verb.carriesBody {
            out.append([])
            out.append(contentsOf: positional)
        }
        return out
    }
}
