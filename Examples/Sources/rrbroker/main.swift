// rrbroker: a request-reply broker written by hand: a ROUTER for clients (5559) and a DEALER
// for workers (5560), with a poller moving each whole message, envelope and all, to the other.
// Flags: --count N (pass on N replies, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let frontend = try context.socket(.router)
    try frontend.bind("tcp://*:5559")
    let backend = try context.socket(.dealer)
    try backend.bind("tcp://*:5560")

    let poller = ZMTPPoller()
    poller.add(frontend, for: .readable)
    poller.add(backend, for: .readable)
    var replies = 0
    while replies < context.arguments.count ?? .max {
        for ready in poller.poll() {
            let message = try ready.socket.receive()
            if ready.socket === frontend {
                try backend.send(message)
            } else {
                try frontend.send(message)
                replies += 1
            }
        }
    }
}
