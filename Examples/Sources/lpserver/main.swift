// lpserver: the Lazy Pirate server, a REP at tcp://*:5555 that echoes each request and now and
// then runs slowly or "crashes".
// Flags: --count N (answer N requests, then exit), --work-ms N (1000), --steady (no simulated
// crashes or overloads).
import GuideSupport
import ZMTP

runExample { context in
    let arguments = context.arguments
    let work = Duration.milliseconds(arguments.integer("--work-ms", default: 1000))
    let faulty = !arguments.has("--steady")
    let server = try context.socket(.rep)
    try server.bind("tcp://*:5555")

    for round in arguments.rounds {
        let request = try server.receive()
        // Trouble only after a few cycles, so that clients get going first.
        if faulty && round >= 3 && Int.random(in: 0..<3) == 0 {
            print("I: simulating a crash")
            return
        }
        if faulty && round >= 3 && Int.random(in: 0..<3) == 0 {
            print("I: simulating CPU overload")
            try context.sleep(for: work * 2)
        }
        print("I: normal request (\(request.map { String(decoding: $0, as: UTF8.self) }.joined()))")
        try context.sleep(for: work)  // stands for the work done per request
        try server.send(request)
    }
}
