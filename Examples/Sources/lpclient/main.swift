// lpclient: the Lazy Pirate client, a REQ that gives up on a silent server by closing its socket,
// reconnecting and resending.
// Flags: --count N (send N requests, then exit), --timeout-ms N (2500), --retries N (sends per
// request, 3).
import GuideSupport
import ZMTP

runExample { context in
    let arguments = context.arguments
    let timeout = Duration.milliseconds(arguments.integer("--timeout-ms", default: 2500))
    let retries = arguments.integer("--retries", default: 3)

    // A REQ that got no reply can only go on waiting for it: the way out is a new socket. No
    // linger, so the unanswered request goes with the old one.
    func connect() throws -> ZMTPSocket {
        print("I: connecting to server...")
        var options = SocketOptions()
        options.linger = .zero
        let client = try context.socket(.req, options: options)
        try client.connect("tcp://localhost:5555")
        return client
    }

    var client = try connect()
    for round in arguments.rounds {
        let sequence = String(round + 1)
        let request = [Array(sequence.utf8)]
        try client.send(request)
        var retriesLeft = retries
        while true {
            do {
                let reply = try client.receive(timeout: timeout)
                if reply == request {
                    print("I: server replied OK (\(sequence))")
                    break
                }
                print("E: malformed reply from server: \(reply.map { String(decoding: $0, as: UTF8.self) })")
            } catch SocketError.timedOut {
                retriesLeft -= 1
                client.close()
                guard retriesLeft > 0 else {
                    print("E: server seems to be offline, abandoning")
                    return
                }
                print("W: no response from server, retrying...")
                client = try connect()
                try client.send(request)
            }
        }
    }
}
