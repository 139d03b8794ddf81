// spworker: the Simple Pirate worker, a REQ that tells the queue at tcp://localhost:5556 it is
// READY, then echoes requests and now and then fails.
// Flags: --count N (answer N requests, then exit), --work-ms N (1000), --steady (no simulated
// crashes or overloads).
import GuideSupport
import ZMTP

runExample { context in
    let arguments = context.arguments
    let work = Duration.milliseconds(arguments.integer("--work-ms", default: 1000))
    let faulty = !arguments.has("--steady")
    var options = SocketOptions()
    options.identity = printableIdentity()  // so that the worker's log lines tell it apart
    let identity = String(decoding: options.identity, as: UTF8.self)
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
