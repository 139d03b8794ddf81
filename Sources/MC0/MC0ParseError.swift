/// Why a frame list is not an mc0 message. Each case's description is one line that says
/// what is wrong and what a well-formed message looks like, fit to send back in an ERROR.
public enum MC0ParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No frames at all.
    case emptyMessage
    /// The first frame is not the empty delimiter frame a DEALER client sends.
    case missingDelimiter
    /// The delimiter frame is there but no verb follows it, or the verb frame is empty.
    case missingVerb
    /// The verb is not one of the protocol's verbs; `verb` is the raw text (made printable).
    case unknownVerb(String)
    /// A header key with no value after it: the header list must be KEY VALUE pairs.
    case oddHeaderList(key: String)
    /// A header key that is not UTF-8 text; `frame` is its index in the frame list.
    case headerKeyNotText(frame: Int)
    /// The same header key twice: which value counts would be a guess.
    case duplicateHeader(String)

    public var description: String {
        switch self {
        case .emptyMessage:
            return "empty message: expected an empty delimiter frame, then a verb"
        case .missingDelimiter:
            return "missing delimiter: the first frame must be empty, then the verb"
        case .missingVerb:
            return "missing verb: expected a verb frame after the empty delimiter frame"
        case .unknownVerb(let verb):
            return "unknown verb '\(verb)'"
        case .oddHeaderList(let key):
            return "header '\(key)' has no value: headers are KEY VALUE pairs, then an empty frame before positional frames"
        case .headerKeyNotText(let frame):
            return "header key in frame \(frame) is not UTF-8 text"
        case .duplicateHeader(let key):
            return "header '\(key)' appears more than once"
        }
    }
}

/// Text from untrusted bytes, safe to put in a log line or an ERROR: invalid UTF-8 is
/// replaced, control characters are escaped, and long input is cut with an ellipsis.
public func printableText(_ bytes: some Collection<UInt8>, limit: Int = 64) -> String {
    var out = ""
    var count = 0
    // limit * 4 bytes always hold at least `limit` scalars, so the cut is detected below.
    for scalar in String(decoding: bytes.prefix(limit * 4), as: UTF8.self).unicodeScalars {
        if count == limit {
            out += "..."
            break
        }
        count += 1
        if scalar.value < 0x20 || scalar.value == 0x7F {
            out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
