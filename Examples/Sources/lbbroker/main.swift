// lbbroker: a load-balancing broker. REQ clients and REQ workers (threads here) reach two
// ROUTERs over ipc; each request goes to the worker that has been idle longest, and the broker
// reads requests only while some worker is idle, leaving the rest queued.
// Flags: --workers N (worker threads of this process, 3; workers of other processes may join).
import GuideSupport
import ZMTP

let clientCount = 10

/// A REQ socket connected to `endpoint`, with the printable routing id `name` (the Guide sets
/// one with s_set_id in both its client and worker tasks).
func namedRequester(_ name: String, connectedTo endpoint: String, _ context: Context) throws -> ZMTPSocket {
    var options = SocketOptions()
    options.identity = Array(name.utf8)
    let socket = try context.socket(.req, options: options)
    try socket.connect(endpoint)
    return socket
}

func client(_ number: Int, _ context: Context) throws {
    let client = try namedRequester("Client-\(number)", connectedTo: "ipc://frontend.ipc", context)
    try client.send([Array("HELLO".utf8)])
    let reply = try client.receive()
    print("Client-\(number): \(String(decoding: reply[0], as: UTF8.self))")
}

/// A worker says READY once, then its replies tell the broker it is idle again.
func worker(_ number: Int, _ context: Context) throws {
    let worker = try namedRequester("Worker-\(number)", connectedTo: "ipc://backend.ipc", context)
    try worker.send([Array("READY".utf8)])
    while true {
        let request = try worker.receive()  // [client, "", request]
        print("Worker-\(number): \(String(decoding: request[request.count - 1], as: UTF8.self))")
        try worker.send([request[0], [], Array("OK".utf8)])
    }
}

runExample { context in
    let frontend = try context.socket(.router)
    try frontend.bind("ipc://frontend.ipc")
    let backend = try context.socket(.router)
    try backend.bind("ipc://backend.ipc")

    let clients = (0..<clientCount).map { number in context.thread { try client(number, context) } }
    for number in 0..<context.arguments.integer("--workers", default: 3) {
        context.thread { try worker(number, context) }
    }

    var idleWorkers: [[UInt8]] = []  // the longest idle first
    var unanswered = clientCount
    let poller = ZMTPPoller()
    poller.add(backend, for: .readable)
    while unanswered > 0 {
        for ready in poller.poll() {
            if ready.socket === backend {
                // [worker, "", "READY"] or [worker, "", client, "", reply]
                let message = try backend.receive()
                idleWorkers.append(message[0])
                if message.count == 5 {
                    try frontend.send([message[2], [], message[4]])
                    unanswered -= 1
                }
            } else if let worker = idleWorkers.first {
                let request = try frontend.receive()  // [client, "", request]
                idleWorkers.removeFirst()
                try backend.send([worker, [], request[0], [], request[request.count - 1]])
            }
        }
        // Clients' requests wait in the frontend's queue while no worker is idle.
        if idleWorkers.isEmpty {
            poller.remove(frontend)
        } else {
            poller.add(frontend, for: .readable)
        }
    }
    for client in clients { client.join() }
}
