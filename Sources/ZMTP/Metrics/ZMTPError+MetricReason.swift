extension ZMTPError {
    /// A short, fixed label for metrics: the kind of failure without its details (which may
    /// carry keys or sizes and would make one time series per value).
    package var metricReason: String {
        switch self {
        case .badSignature, .unsupportedVersion: return "bad_greeting"
        case .mechanismMismatch: return "mechanism_mismatch"
        case .incompatibleSocketType: return "socket_type"
        case .handshakeFailed, .peerError: return "refused"
        case .handshakeTimeout, .heartbeatTimeout: return "timeout"
        case .handshakeStalled: return "stalled"
        case .closedDuringHandshake: return "closed"
        case .handshakeBudgetExceeded: return "too_much_data"
        case .malformedFrame, .frameTooLarge, .tooManyFrames, .malformedCommand, .unexpectedCommand,
             .malformedMetadata, .badMessage:
            return "protocol_error"
        }
    }
}

extension ZMTPError {
    /// Every value `metricReason` takes, so a backend can show each at zero before it happens.
    package static let metricReasons = ["bad_greeting", "mechanism_mismatch", "socket_type", "refused", "timeout",
                                       "stalled", "closed", "too_much_data", "protocol_error"]
}
