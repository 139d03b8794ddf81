// interrupt: handling Ctrl-C, a REP server that answers requests on 5555 until SIGINT. The
// support library turns the signal into closing the sockets, so the blocked receive returns
// with SocketError.closed, and the server cleans up and exits with status 0.
// Flags: --count N (answer N requests, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let socket = try context.socket(.rep)
    try socket.bind("tcp://*:5555")

    do {
        for _ in context.arguments.rounds {
            let request = try socket.receive()
            print("W: recv")
            try socket.send(request)
        }
    } catch SocketError.closed where context.isInterrupted {
        print("W: interrupt received, killing server...")
    }
    print("W: cleaning up")
}
