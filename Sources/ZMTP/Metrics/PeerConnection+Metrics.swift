import CoreMetrics

/// What a connection moved since it last reported to the socket's metrics.
struct TrafficTally {
    var messagesIn = 0
    var bytesIn = 0
    var messagesOut = 0
    var bytesOut = 0
}

extension PeerConnection {
    /// Adds the traffic of one read wake-up or one flush to the socket's counters: a handful of
    /// counter updates per call, however many messages it moved.
    func reportTraffic() {
        let tally = unreported
        if tally.bytesIn > 0 {
            socket.metrics.bytesReceived.increment(by: tally.bytesIn)
            if tally.messagesIn > 0 { socket.metrics.messagesReceived.increment(by: tally.messagesIn) }
        }
        if tally.bytesOut > 0 { socket.metrics.bytesSent.increment(by: tally.bytesOut) }
        if tally.messagesOut > 0 { socket.metrics.messagesSent.increment(by: tally.messagesOut) }
        unreported = TrafficTally()
    }
}
