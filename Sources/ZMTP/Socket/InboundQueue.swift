@_spi(Engine) import ZMTPCore

/// Messages from one peer, kept as the batches the loop thread delivered them in: a batch joins
/// by handing over its buffer, never by copying it, however far behind the application is, and
/// an emptied batch's buffer goes back to the connection for a later read.
struct InboundQueue {
    /// The batch messages are taken from, changed in place (a batch held in the ring as an
    /// Optional would be copied on every change, and every buffer in it with it).
    private var current = FramedMessages()
    /// Later batches, in order.
    private var later = RingBuffer<FramedMessages>()
    /// An emptied batch, kept for its buffer.
    private var spare = FramedMessages()
    /// Whole messages in all batches.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Takes the whole messages of `received` (the connection keeps a message still arriving,
    /// and gets a spare buffer to read into next).
    mutating func add(_ received: inout FramedMessages) {
        guard !received.isEmpty else { return }
        count += received.count
        if current.isEmpty && later.isEmpty {
            received.moveWhole(to: &current)
            return
        }
        var batch = FramedMessages()
        swap(&batch, &spare)
        received.moveWhole(to: &batch)
        later.append(batch)
    }

    /// Takes one message from the oldest batch with `take`.
    mutating func pop<T>(_ take: (inout FramedMessages) -> T?) -> T? {
        if current.isEmpty {
            guard let next = later.popFirst() else { return nil }
            swap(&spare, &current)
            current = next
        }
        guard let taken = take(&current) else { return nil }
        count -= 1
        return taken
    }
}
