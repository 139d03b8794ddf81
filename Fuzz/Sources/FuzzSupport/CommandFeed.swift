import ZMTP
@_spi(Engine) import ZMTPCore

/// Feeds handshake commands to a mechanism and checks the rules every mechanism keeps: only
/// ZMTPErrors, and once it has refused a command it refuses everything after (it never
/// resumes a failed handshake).
package final class CommandFeed {
    package let mechanism: SecurityMechanism
    package private(set) var failure: ZMTPError?

    package init(_ mechanism: SecurityMechanism) { self.mechanism = mechanism }

    /// Returns the replies, or nil when the mechanism refused the command.
    @discardableResult
    package func feed(_ command: Command) -> [Command]? {
        do {
            let replies = try mechanism.receive(command)
            require(failure == nil, "\(command.name) accepted after the handshake failed with \(failure!)")
            return replies
        } catch let error as ZMTPError {
            failure = failure ?? error
            return nil
        } catch {
            require(false, "receive threw a non-ZMTP error: \(error)")
            return nil
        }
    }

    /// Decodes a raw command body as the engine does; nil when it is malformed.
    package func feed(raw body: [UInt8]) -> [Command]? {
        guard let command = try? Command.decode(body) else { return nil }
        return feed(command)
    }
}
