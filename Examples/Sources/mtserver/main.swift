// mtserver: a multithreaded Hello World server: clients reach a ROUTER, worker threads a DEALER
// over inproc, and ZMTPProxy moves requests and replies between the two. Runs until Ctrl-C.
// Flags: --count N (pass on N replies, then exit), --work-ms N (each request's pretended work,
// 1000 ms).
import GuideSupport
import ZMTP

let reply = [Array("World".utf8)]

/// A worker thread: a REP socket that answers each request the proxy deals it.
func worker(_ context: Context, work: Duration) throws {
    let receiver = try context.socket(.rep)
    try receiver.connect("inproc://workers")
    while true {
        let request = try receiver.receive()
        print("Received request: [\(String(decoding: request[0], as: UTF8.self))]")
        try context.sleep(for: work)  // stands for the work done per request
        try receiver.send(reply)
    }
}

runExample { context in
    let clients = try context.socket(.router)
    try clients.bind("tcp://*:5555")
    let workers = try context.socket(.dealer)
    try workers.bind("inproc://workers")

    let work = Duration.milliseconds(context.arguments.integer("--work-ms", default: 1000))
    for _ in 0..<5 {
        context.thread { try worker(context, work: work) }
    }
    // The DEALER deals requests to idle workers in turn; the replies are the workers' "World"s.
    try context.runProxy(frontend: clients, backend: workers) { $0.last == reply[0] }
}
