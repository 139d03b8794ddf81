/// What is wrong with bytes a NATS server sent, or with a command we were asked to encode.
/// Every parse error ends the connection: the stream cannot be resynchronised after it.
public enum NATSWireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No CRLF within the control-line limit.
    case controlLineTooLong(limit: Int)
    /// A control line whose operation name we do not know.
    case unknownOperation(String)
    /// A known operation with wrong arguments.
    case malformed(operation: String, reason: String)
    /// A MSG/HMSG larger than the payload limit (the server's `max_payload`).
    case payloadTooLarge(size: Int, limit: Int)
    /// A MSG payload not followed by CRLF.
    case missingPayloadTerminator
    /// INFO whose JSON does not parse.
    case badInfo(String)
    /// A subject that is empty, too long, or has blanks or control characters.
    case invalidSubject(String)
    /// A publish larger than the server's `max_payload`.
    case publishTooLarge(size: Int, limit: Int)

    /// One line, for logs.
    public var description: String {
        switch self {
        case .controlLineTooLong(let limit): return "control line longer than \(limit) bytes"
        case .unknownOperation(let op): return "unknown operation '\(op)'"
        case .malformed(let op, let reason): return "malformed \(op): \(reason)"
        case .payloadTooLarge(let size, let limit): return "message payload of \(size) bytes exceeds the limit of \(limit) bytes"
        case .missingPayloadTerminator: return "message payload not followed by CRLF"
        case .badInfo(let reason): return "INFO does not parse: \(reason)"
        case .invalidSubject(let subject): return "invalid subject '\(subject)'"
        case .publishTooLarge(let size, let limit): return "publish of \(size) bytes exceeds the server's max_payload of \(limit) bytes"
        }
    }
}
