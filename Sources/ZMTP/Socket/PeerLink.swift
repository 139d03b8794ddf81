/// One peer of a socket as the socket sees it, whatever carries the messages: a ZMTP
/// connection over a TCP or Unix stream socket (`PeerConnection`), or a link to a socket of
/// this process (`InprocPeer`). A link serves one `Pipe`: it takes the messages queued there
/// for the peer and delivers the peer's messages to the socket, and the socket only tells it
/// when to. Loop-confined: every member is used on the owning socket's loop thread; a link
/// crosses threads only inside tasks queued to that loop (hence Sendable, unchecked in the
/// conforming classes).
protocol PeerLink: AnyObject, Sendable {
    /// The queues this link serves.
    var pipe: Pipe { get }
    /// How events and logs name the peer.
    var peerName: String { get }
    /// The user id the security handshake's authenticator gave the peer (nil when none did).
    var userID: String? { get }
    /// The peer's network address, as libzmq's "Peer-Address" property (nil when it has none).
    var peerAddress: String? { get }
    /// The bound endpoint this link was accepted through (nil for a connected one): `unbind`
    /// closes the links accepted through what it unbinds.
    var acceptedOn: Endpoint? { get }
    /// The application paused reading from this peer (`pauseReading(from:)`).
    var readHeld: Bool { get set }
    /// Messages taken from the pipe but not yet handed to the peer (what `close` lingers for,
    /// besides the pipe's own queue).
    var hasUnsentOutput: Bool { get }
    /// The pipe has messages for the peer.
    func flush()
    /// The receive queue fell to its low-water mark: reading may go on.
    func resumeReading()
    /// A reason to hold reading changed: reads or stops reading as they now say.
    func updateReadInterest()
    /// Ends the link on the application's initiative (socket closed, disconnect, unbind, handover).
    func close(reason: String)
    /// Ends the link once `message` (best effort) is handed to the peer, by `deadline` at the latest.
    func close(after message: [[UInt8]]?, deadline: UInt64)
    /// Ends the link because of the peer or an error; a connected link may redial.
    func fail(reason: String, error: ZMTPError?)
}
