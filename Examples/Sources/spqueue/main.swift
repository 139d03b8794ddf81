// spqueue: the Simple Pirate queue, a load balancer from clients (ROUTER, tcp://*:5555) to READY
// workers (ROUTER, tcp://*:5556) that leaves recovery to the clients.
// Flags: --count N (pass on N replies, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let frontend = try context.socket(.router)
    let backend = try context.socket(.router)
    try frontend.bind("tcp://*:5555")
    try backend.bind("tcp://*:5556")
    let ready: [[UInt8]] = [[1]]
    var workers: [[UInt8]] = []  // routing ids of idle workers, the longest idle first
    let poller = ZMTPPoller()
    poller.add(backend, for: .readable)

    var replies = 0
    while replies < context.arguments.count ?? .max {
        // Client requests stay queued in the frontend while no worker is idle.
        if workers.isEmpty { poller.remove(frontend) } else { poller.add(frontend, for: .readable) }
        for item in poller.poll() {
            if item.socket === backend {
                // A REQ worker: [worker, "", READY] or [worker, "", client, "", reply].
                let message = try backend.receive(timeout: .zero)
                guard message.count >= 3, message[1].isEmpty else { continue }
                workers.append(message[0])
                let rest = Array(message.dropFirst(2))
                if rest != ready {
                    try frontend.send(rest)
                    replies += 1
                }
            } else if let worker = workers.first {
                workers.removeFirst()
                try backend.send([worker, []] + frontend.receive(timeout: .zero))
            }
        }
    }
}
