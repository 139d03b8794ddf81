// asyncsrv: an asynchronous client/server. DEALER clients send a request a second and print the
// replies as they come; the server's ROUTER frontend and DEALER backend (ZMTPProxy) deal the
// requests to worker threads, which answer each zero to four times. Runs five seconds.
// Flags: --seconds N (how long it runs, 5).
import GuideSupport
import ZMTP

func client(_ context: Context) throws {
    var options = SocketOptions()
    options.identity = printableIdentity()
    let name = String(decoding: options.identity, as: UTF8.self)
    let client = try context.socket(.dealer, options: options)
    try client.connect("tcp://localhost:5570")

    var tick = ContinuousClock.now
    for request in 1... {
        try client.send([Array("request #\(request)".utf8)])
        tick += .seconds(1)
        // Whatever arrives until the next tick, replies to this request or to earlier ones.
        while case let left = tick - .now, left > .zero {
            do {
                let reply = try client.receive(timeout: left)
                print("\(name) received: \(String(decoding: reply[reply.count - 1], as: UTF8.self))")
            } catch SocketError.timedOut {
                break
            }
        }
    }
}

func serverWorker(_ context: Context) throws {
    let worker = try context.socket(.dealer)
    try worker.connect("inproc://backend")
    while true {
        let message = try worker.receive()  // [client, content]: the frontend's envelope
        for _ in 0..<Int.random(in: 0...4) {
            try context.sleep(for: .milliseconds(Int.random(in: 1...1000)))
            try worker.send(message)
        }
    }
}

func server(_ context: Context) throws {
    let frontend = try context.socket(.router)
    try frontend.bind("tcp://*:5570")
    let backend = try context.socket(.dealer)
    try backend.bind("inproc://backend")
    for _ in 0..<5 {
        context.thread { try serverWorker(context) }
    }
    try ZMTPProxy(frontend: frontend, backend: backend).run()
}

runExample { context in
    for _ in 0..<3 {
        context.thread { try client(context) }
    }
    context.thread { try server(context) }
    try context.sleep(for: .seconds(context.arguments.integer("--seconds", default: 5)))
}
