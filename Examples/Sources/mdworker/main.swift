// mdworker: a Majordomo worker for the "echo" service, sending each request back as its reply.
// Flags: -v (log every message), --count N (answer N requests, then leave the broker and exit),
// --heartbeat-ms N and --reconnect-ms N (2500 each).
import GuideSupport
import Majordomo

runExample { context in
    let arguments = context.arguments
    let worker = try MajordomoWorker(context, broker: "tcp://localhost:5555", service: "echo", verbose: arguments.has("-v"))
    worker.heartbeat = .milliseconds(arguments.integer("--heartbeat-ms", default: 2500))
    worker.reconnect = .milliseconds(arguments.integer("--reconnect-ms", default: 2500))
    var reply: [[UInt8]]? = nil
    for _ in arguments.rounds {
        reply = try worker.receive(reply: reply)  // echo is complex...
    }
    try worker.leave(reply: reply)
}
