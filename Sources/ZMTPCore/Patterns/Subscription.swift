/// A subscribe or cancel, in either wire form: the SUBSCRIBE/CANCEL commands of ZMTP 3.1, or a
/// data frame whose first byte is 0x01 (subscribe) or 0x00 (cancel), the only form of ZMTP
/// 3.0 and 2.0. Like libzmq, a publisher accepts both forms from every peer.
package struct Subscription: Equatable, Sendable {
    package enum Action: UInt8, Sendable {
        case cancel = 0
        case subscribe = 1
    }

    package var action: Action
    package var topic: [UInt8]

    package init(_ action: Action, _ topic: [UInt8]) {
        self.action = action
        self.topic = topic
    }

    private static let subscribeCommand = "SUBSCRIBE"
    private static let cancelCommand = "CANCEL"

    /// The ZMTP 3.1 command form.
    package var command: Command {
        Command(name: action == .subscribe ? Self.subscribeCommand : Self.cancelCommand, data: topic)
    }

    /// The message form (one data frame), for ZMTP 3.0 peers and for what XPUB hands its
    /// application.
    package var frame: [UInt8] { [action.rawValue] + topic }

    /// The form the peer that sent `greeting` reads: commands from ZMTP 3.1 on (libzmq 4.3.3+
    /// sends them so, and takes any later revision for 3.1), frames for 3.0 and earlier.
    package func wireForm(for greeting: Greeting) -> Wire {
        let commands = greeting.major > 3 || (greeting.major == 3 && greeting.minor >= 1)
        return commands ? .command(command) : .frame(frame)
    }

    package enum Wire: Equatable, Sendable {
        case command(Command)
        case frame([UInt8])
    }

    /// The subscription a command carries, or nil for any other command (a publisher ignores
    /// unknown commands, as libzmq does).
    package init?(command: Command) {
        switch command.name {
        case Self.subscribeCommand: self.init(.subscribe, command.data)
        case Self.cancelCommand: self.init(.cancel, command.data)
        default: return nil
        }
    }

    /// The subscription a command carries to a socket of type `receiver`: nil for any other
    /// command. Only publishers (PUB, XPUB) take subscriptions; a SUBSCRIBE or CANCEL sent to
    /// any other type is refused as a protocol error.
    package static func received(_ command: Command, by receiver: SocketType) throws(ZMTPError) -> Subscription? {
        guard let subscription = Subscription(command: command) else { return nil }
        guard receiver == .pub || receiver == .xpub else {
            throw .unexpectedCommand("\(command.name) sent to a \(receiver.rawValue) socket, which takes no subscriptions")
        }
        return subscription
    }

    /// The subscription a data frame carries, or nil when it is upstream data (empty, or a
    /// first byte other than 0x00/0x01).
    package init?(frame: ArraySlice<UInt8>) {
        guard let first = frame.first, let action = Action(rawValue: first) else { return nil }
        self.init(action, Array(frame.dropFirst()))
    }
}
