// ppqueue: the Paranoid Pirate queue, Simple Pirate's load balancer plus heartbeats to idle
// workers, forgetting any worker that falls silent.
// Flags: --count N (pass on N replies, then exit), --heartbeat-ms N (1000: the heartbeat interval;
// a worker silent for 3 of them is dropped).
import GuideSupport
import ZMTP

/// Heartbeats a worker may miss before the queue forgets it.
let liveness = 3
/// The Paranoid Pirate Protocol's two signals, one frame each.
let ready: [UInt8] = [1]
let heartbeat: [UInt8] = [2]

/// An idle worker, and when it counts as gone unless it is heard from.
struct Worker {
    let id: [UInt8]
    var expiry: ContinuousClock.Instant
}

runExample { context in
    let interval = Duration.milliseconds(context.arguments.integer("--heartbeat-ms", default: 1000))
    let frontend = try context.socket(.router)
    let backend = try context.socket(.router)
    try frontend.bind("tcp://*:5555")
    try backend.bind("tcp://*:5556")
    var workers: [Worker] = []  // idle workers, the longest idle first
    var heartbeatAt = ContinuousClock.now + interval
    let poller = ZMTPPoller()
    poller.add(backend, for: .readable)

    var replies = 0
    while replies < context.arguments.count ?? .max {
        if workers.isEmpty { poller.remove(frontend) } else { poller.add(frontend, for: .readable) }
        for item in poller.poll(timeout: interval) {
            if item.socket === backend {
                // A DEALER worker: [worker, READY or HEARTBEAT] or [worker, client, "", reply].
                // Any message at all shows it alive and idle: it goes to the back of the line.
                let message = try backend.receive(timeout: .zero)
                guard message.count >= 2 else { continue }
                workers.removeAll { $0.id == message[0] }
                workers.append(Worker(id: message[0], expiry: .now + interval * liveness))
                if message.count > 2 {
                    try frontend.send(Array(message.dropFirst()))
                    replies += 1
                } else if message[1] == ready {
                    print("I: worker \(message[0].hex) ready")
                } else if message[1] != heartbeat {
                    print("E: invalid message from worker \(message[0].hex)")
                }
            } else if !workers.isEmpty {
                let worker = workers.removeFirst()
                try backend.send([worker.id] + frontend.receive(timeout: .zero))
            }
        }
        if ContinuousClock.now >= heartbeatAt {
            for worker in workers { try backend.send([worker.id, heartbeat]) }
            heartbeatAt = .now + interval
        }
        // The line is oldest first, so the expired ones are at its front.
        let now = ContinuousClock.now
        while let worker = workers.first, now >= worker.expiry {
            print("W: worker \(worker.id.hex) expired")
            workers.removeFirst()
        }
    }
}
