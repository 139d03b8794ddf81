/// Who waits for whom: a sender whose message found a recipient's queue at the high-water
/// mark stops being read until every recipient it waits for has drained to the low-water
/// mark. Keyed by routing id, so a peer without a session (answered with ERRORs it does not
/// read) is held the same way. Entries exist only while someone waits: the tables are
/// bounded by the number of peers.
struct BrokerFlow {
    /// Sender -> the recipients it waits for.
    private var waitingFor: [[UInt8]: Set<[UInt8]>] = [:]
    /// Recipient -> the senders waiting for it.
    private var blocking: [[UInt8]: Set<[UInt8]>] = [:]

    var pausedCount: Int { waitingFor.count }

    /// Whether `peer` is not read now: it waits for at least one recipient.
    func isPaused(_ peer: [UInt8]) -> Bool { waitingFor[peer] != nil }

    /// Whether a client other than `recipient` itself waits for it.
    func holdsOthers(_ recipient: [UInt8]) -> Bool {
        blocking[recipient]?.contains { $0 != recipient } ?? false
    }

    /// Records that `sender` waits for `recipient`. Returns true when the sender was not
    /// waiting before (its reading must pause now).
    mutating func block(_ sender: [UInt8], on recipient: [UInt8]) -> Bool {
        let newlyPaused = waitingFor[sender] == nil
        waitingFor[sender, default: []].insert(recipient)
        blocking[recipient, default: []].insert(sender)
        return newlyPaused
    }

    /// `recipient` drained (or is gone): returns the senders that now wait for nobody.
    mutating func release(_ recipient: [UInt8]) -> [[UInt8]] {
        guard let senders = blocking.removeValue(forKey: recipient) else { return [] }
        var resumed: [[UInt8]] = []
        for sender in senders {
            waitingFor[sender]?.remove(recipient)
            if waitingFor[sender]?.isEmpty == true {
                waitingFor[sender] = nil
                resumed.append(sender)
            }
        }
        return resumed
    }

    /// Forgets `peer` in both roles. Returns the senders that now wait for nobody (never
    /// `peer` itself), and whether `peer` was paused.
    mutating func remove(_ peer: [UInt8]) -> (resumed: [[UInt8]], wasPaused: Bool) {
        // Asked before `release`, which forgets a peer that waited only for itself.
        let wasPaused = waitingFor[peer] != nil
        let resumed = release(peer).filter { $0 != peer }
        guard let recipients = waitingFor.removeValue(forKey: peer) else { return (resumed, wasPaused) }
        for recipient in recipients {
            blocking[recipient]?.remove(peer)
            if blocking[recipient]?.isEmpty == true { blocking[recipient] = nil }
        }
        return (resumed, true)
    }
}

/// What the core asks of the transport besides sending: the driver maps each to a socket call.
public enum BrokerAction: Equatable, Sendable {
    /// Stop reading messages from this client: a recipient of its messages is at its mark.
    case pauseReading(client: [UInt8])
    /// Read from it again: every recipient it waited for has drained.
    case resumeReading(client: [UInt8])
    /// Drop what is queued for the client, send it `finalMessage` (best effort) and close it.
    case disconnect(client: [UInt8], finalMessage: [[UInt8]])
}
