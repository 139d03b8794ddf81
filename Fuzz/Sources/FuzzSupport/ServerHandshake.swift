@_spi(Engine) import ZMTPCore

/// The server targets' mode 0: up to 16 input records fed to the server as raw commands. Every
/// reply must be one `allowed` accepts, WELCOME may come only once, and `check` runs after
/// each record the server took.
package func feedRawCommands(_ feed: CommandFeed, _ input: inout FuzzInput, allowed: (Command) -> Bool, check: () -> Void = {}) {
    var welcomes = 0
    for body in input.records(limit: 16) {
        guard let replies = feed.feed(raw: body) else { continue }
        for reply in replies {
            require(allowed(reply), "server sent \(reply.name) (\(reply.data.count) bytes) to random input")
            if reply.name == "WELCOME" { welcomes += 1 }
        }
        require(welcomes <= 1, "a second WELCOME")
        check()
    }
}

/// A real client's HELLO, altered by input-chosen edits, fed to the server: it must be
/// welcomed exactly when `intact(sent, altered)` holds. Nil when the client could not start.
package func feedAlteredHello(_ feed: CommandFeed, from client: SecurityMechanism, _ input: inout FuzzInput,
                              intact: ([UInt8], [UInt8]) -> Bool) -> (hello: Command, sent: [UInt8], welcome: Command?)? {
    guard let hello = try? client.start().first else {
        require(false, "\(type(of: client)).start failed")
        return nil
    }
    let sent = mutate(hello.data, &input)
    let isIntact = intact(hello.data, sent)
    let welcome = feed.feed(Command(name: hello.name, data: sent))
    require((welcome != nil) == isIntact,
            "HELLO \(isIntact ? "intact" : "altered at \(differences(hello.data, sent))") was \(welcome == nil ? "refused" : "accepted")")
    return (hello, sent, welcome?.first)
}
