// spworker: the Simple Pirate worker, a REQ that tells the queue at tcp://localhost:5556 it is READY, then echoes requests and now and then fails.
// Flags: --count N (requests; endless), --work-ms N (1000), --steady (no simulated crashes or overloads).
import GuideSupport
import ZMTP

runExample { context in
    let arguments = context.arguments
    let work = Duration.milliseconds(arguments.integer("--work-ms", default: 1000))
    let faulty = !arguments.has("--steady")
    // A random identity, so that the queue's and the worker's logs can be matched.
    let identity = (0..<2).map { _ in
        let hex = String(UInt16.random(in: 0...UInt16.max), radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }.joined(separator: "-")
    var options = SocketOptions()
    options.identity = Array(identity.utf8)
    let worker = try context.socket(.req, options: options)
    try worker.connect("tcp://localhost:5556")
    print("I: (\(identity)) worker ready")
    try worker.send([[1]])

    for round in arguments.rounds {
        let request = try worker.receive()
        if faulty && round >= 3 && Int.random(in: 0..<5) == 0 {
            print("I: (\(identity)) simulating a crash")
            return
        }
        if faulty && round >= 3 && Int.random(in: 0..<5) == 0 {
            print("I: (\(identity)) simulating CPU overload")
            try context.sleep(for: work * 3)
        }
        print("I: (\(identity)) normal reply")
        try context.sleep(for: work)  // stands for the work done per request
        try worker.send(request)
    }
}
