/// A send or receive that the socket's pattern does not allow now: libzmq's EFSM. The call
/// changes nothing; the application must make the other call first.
public enum SocketStateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// REQ: a second request before the reply to the first arrived. REQ_RELAXED allows it.
    case requestPending
    /// REQ: a receive with no request outstanding.
    case noRequestSent
    /// REP: a receive before the current request was answered.
    case replyPending
    /// REP: a send with no request to answer.
    case noRequestReceived

    /// The violated rule in words, as errors and logs show it.
    public var description: String {
        switch self {
        case .requestPending: return "REQ cannot send: the reply to the previous request has not been received (set REQ_RELAXED to allow this)"
        case .noRequestSent: return "REQ cannot receive: no request has been sent"
        case .replyPending: return "REP cannot receive: the current request has not been answered"
        case .noRequestReceived: return "REP cannot send: no request has been received"
        }
    }
}
