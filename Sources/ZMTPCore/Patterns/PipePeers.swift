/// The publisher's per-message calls for a socket, whose peers are its pipes named by
/// `ObjectIdentifier`. They are compiled here, where the generic code is visible: called
/// generically from another module, it is not specialized and looks up type metadata on
/// every message.
extension PublisherState where Peer == ObjectIdentifier {
    /// `peers(matching:into:)` for pipes.
    package func pipes(matching topic: ArraySlice<UInt8>, into pipes: inout Set<ObjectIdentifier>) {
        peers(matching: topic, into: &pipes)
    }
}

extension Distributor where Peer == ObjectIdentifier {
    /// `distribute(to:deliver:)` for pipes.
    @discardableResult
    package mutating func distribute(toPipes pipes: Set<ObjectIdentifier>, deliver: (ObjectIdentifier) -> Bool) -> Int {
        distribute(to: pipes, deliver: deliver)
    }
}
