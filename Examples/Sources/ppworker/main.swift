// ppworker: the Paranoid Pirate worker, a DEALER that heartbeats the queue at tcp://localhost:5556
// and, when the queue falls silent, reconnects with exponential backoff.
// Flags: --count N (answer N requests, then exit), --heartbeat-ms N (1000), --reconnect-ms N
// (1000, doubling up to 32 times that), --work-ms N (1000), --steady (no simulated crashes or
// overloads).
import GuideSupport
import ZMTP

/// Heartbeats from the queue this worker may miss before it counts the queue as gone.
let liveness = 3
let ready: [UInt8] = [1]
let heartbeat: [UInt8] = [2]

runExample { context in
    let arguments = context.arguments
    let interval = Duration.milliseconds(arguments.integer("--heartbeat-ms", default: 1000))
    let firstReconnect = Duration.milliseconds(arguments.integer("--reconnect-ms", default: 1000))
    let work = Duration.milliseconds(arguments.integer("--work-ms", default: 1000))
    let faulty = !arguments.has("--steady")

    func connect() throws -> ZMTPSocket {
        let worker = try context.socket(.dealer)
        try worker.connect("tcp://localhost:5556")
        print("I: worker ready")
        try worker.send([ready])
        return worker
    }

    var worker = try connect()
    var livenessLeft = liveness
    var reconnect = firstReconnect
    var heartbeatAt = ContinuousClock.now + interval
    var served = 0
    while served < arguments.count ?? .max {
        do {
            let message = try worker.receive(timeout: interval)
            if message.count == 3 {
                // [client, "", request]: work to do.
                if faulty && served >= 3 && Int.random(in: 0..<5) == 0 {
                    print("I: simulating a crash")
                    return
                }
                if faulty && served >= 3 && Int.random(in: 0..<5) == 0 {
                    print("I: simulating CPU overload")
                    try context.sleep(for: work * 3)
                }
                print("I: normal reply")
                try worker.send(message)
                served += 1
                livenessLeft = liveness
                try context.sleep(for: work)  // stands for the work done per request
            } else if message == [heartbeat] {
                livenessLeft = liveness
            } else {
                print("E: invalid message: \(message)")
            }
            reconnect = firstReconnect
        } catch SocketError.timedOut {
            livenessLeft -= 1
            if livenessLeft == 0 {
                print("W: heartbeat failure, can't reach queue")
                print("W: reconnecting in \(reconnect)...")
                try context.sleep(for: reconnect)
                reconnect = min(reconnect * 2, firstReconnect * 32)
                // Whatever the old socket still holds for the queue is dropped with it; the
                // last socket, though, lingers at the end, so that its last reply leaves.
                try worker.disconnect("tcp://localhost:5556")
                worker.close()
                worker = try connect()
                livenessLeft = liveness
            }
        }
        if ContinuousClock.now > heartbeatAt {
            heartbeatAt = .now + interval
            print("I: worker heartbeat")
            try worker.send([heartbeat])
        }
    }
}
