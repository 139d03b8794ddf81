extension ZMTPSocket {
    /// ROUTER: the properties of the connection that now holds `routingID`, or nil when none
    /// does. Inside a `serve` handler, called with the handler's `peer`, they are exactly those
    /// of the message being handled. After a blocking or async `receive`, the peer may have
    /// gone (nil) or, with handover, been replaced in the meantime: use `receive(into:)`, whose
    /// `Message.properties` go with the message itself.
    public func properties(of routingID: [UInt8]) -> MessageProperties? {
        lock.withLock { routes[routingID]?.properties }
    }
}
