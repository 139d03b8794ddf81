/// The publisher's per-message calls for a socket, whose peers are its pipes named by
/// `ObjectIdentifier`. They are compiled here, where the generic code is visible: called
/// generically from another module, it is not specialized and looks up type metadata on
/// every message. They are `mutating` only so that a socket passes its state in place: a
/// non-mutating call on state held in a class copies (and retains) all of it first.
extension PublisherState where Peer == ObjectIdentifier {
    /// `peers(matching:into:)` for pipes.
    package mutating func pipes(matching topic: ArraySlice<UInt8>, into pipes: inout Set<ObjectIdentifier>) {
        peers(matching: topic, into: &pipes)
    }

    /// Whether a message with this first frame goes to some pipe: the whole match when the
    /// socket has one peer.
    package mutating func anyPipe(matching topic: ArraySlice<UInt8>) -> Bool {
        subscriptions.anyPeer(matching: topic)
    }
}
