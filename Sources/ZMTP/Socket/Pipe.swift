@_spi(Engine) import ZMTPCore

/// The queues between a socket and one peer. Messages queue here (up to the high-water marks)
/// while the loop thread moves them to and from the peer's connection. Every field is guarded
/// by the owning socket's lock, which is why dynamic exclusivity checks are off for them.
final class Pipe {
    /// The peer's routing id (ROUTER), set when its handshake completes.
    @exclusivity(unchecked) var routingID: [UInt8] = []
    /// Messages for the peer, framed by the senders; the loop thread takes them all at once.
    @exclusivity(unchecked) var outbound = FramedMessages()
    /// Messages from the peer, handed over by the loop thread after each read.
    @exclusivity(unchecked) var inbound = InboundQueue()
    /// The live connection to the peer, if any (a dialer's pipe outlives its connections).
    @exclusivity(unchecked) var connection: PeerConnection?
    /// Handshake complete: messages may be written.
    @exclusivity(unchecked) var isReady = false
    /// A flush task is already queued on the loop.
    @exclusivity(unchecked) var flushScheduled = false
    /// Reading from the peer stopped because `inbound` reached the receive high-water mark.
    @exclusivity(unchecked) var readPaused = false
    /// The application asked to hear when `outbound` is down to the low-water mark again
    /// (ZMTPSocket+Flow.swift).
    @exclusivity(unchecked) var watchLowWater = false
    /// In the socket's fair-queue of pipes with inbound messages.
    @exclusivity(unchecked) var inReadableQueue = false
    /// A dialer's pipe exists from connect() on and queues messages while disconnected, as
    /// libzmq's does; an accepted peer's pipe lives and dies with its connection.
    let persistent: Bool

    init(persistent: Bool) { self.persistent = persistent }

    /// Below both high-water marks: may take one more message.
    @inline(__always)
    func hasRoom(_ limits: SendLimits) -> Bool {
        outbound.count < limits.messages && outbound.payloadBytes < limits.bytes
    }

    /// Down to half of both marks (libzmq's low-water mark): time to wake blocked senders.
    func isBelowLowWater(_ limits: SendLimits) -> Bool {
        outbound.count <= limits.messages / 2 && outbound.payloadBytes <= limits.bytes / 2
    }
}

/// A socket's send high-water marks, kept apart from SocketOptions so the per-message checks
/// do not copy (and retain) the whole options struct.
struct SendLimits {
    let messages: Int
    let bytes: Int

    init(_ options: SocketOptions) {
        messages = options.sendHighWaterMark
        bytes = options.sendHighWaterBytes ?? .max
    }
}
