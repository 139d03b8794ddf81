extension ZMTPSocket {
    /// The received messages as an `AsyncSequence`: `for try await message in socket.messages`.
    /// Each step is an async `receive()`; the sequence ends when the socket is closed (after
    /// the messages queued before close) and throws `CancellationError` when its Task is
    /// cancelled. A bounded wait for one message is `receive(timeout:)`.
    public var messages: Messages { Messages(socket: self) }

    /// The sequence of `messages`.
    public struct Messages: AsyncSequence, Sendable {
        /// A message's frames (ROUTER: the routing id first).
        public typealias Element = [[UInt8]]
        /// `CancellationError`, or a `SocketError` other than `closed`.
        public typealias Failure = any Error

        let socket: ZMTPSocket

        /// An iterator receiving from the socket.
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(socket: socket) }

        /// Receives the next message; nil once the socket is closed.
        public struct AsyncIterator: AsyncIteratorProtocol {
            let socket: ZMTPSocket

            /// The next message, or nil once the socket is closed.
            public mutating func next() async throws -> [[UInt8]]? {
                do {
                    return try await socket.receive()
                } catch SocketError.closed {
                    return nil
                }
            }
        }
    }
}
