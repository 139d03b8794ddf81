/// Messages from one peer, kept as the batches the loop thread delivered them in: a batch joins
/// by handing over its buffer, never by copying it, however far behind the application is, and
/// an emptied batch's buffer goes back to the connection for a later read.
struct InboundQueue {
    private var batches = RingBuffer<FramedMessages>()
    /// An emptied batch, kept for its buffer.
    private var spare = FramedMessages()
    /// Whole messages in all batches.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Takes the whole messages of `received` (the connection keeps a message still arriving,
    /// and gets the spare buffer to read into next).
    mutating func add(_ received: inout FramedMessages) {
        guard !received.isEmpty else { return }
        count += received.count
        var batch = FramedMessages()
        swap(&batch, &spare)
        received.moveWhole(to: &batch)
        batches.append(batch)
    }

    /// Takes one message from the oldest batch with `take`.
    mutating func pop<T>(_ take: (inout FramedMessages) -> T?) -> T? {
        guard count > 0, let (taken, emptied) = batches.modifyFirst({ batch in (take(&batch), batch.isEmpty) }) else { return nil }
        if taken != nil { count -= 1 }
        if emptied { spare = batches.popFirst()! }
        return taken
    }
}
