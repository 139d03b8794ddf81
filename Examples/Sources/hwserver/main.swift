// hwserver: the guide's first server, a REP socket that answers each "Hello" with "World".
// Flags: --count N (answer N requests, then exit), --work-ms N (the pretended work, 1000 ms).
import GuideSupport
import ZMTP

runExample { context in
    let responder = try context.socket(.rep)
    try responder.bind("tcp://*:5555")
    let work = Duration.milliseconds(context.arguments.integer("--work-ms", default: 1000))

    for _ in context.arguments.rounds {
        _ = try responder.receive()
        print("Received Hello")
        try context.sleep(for: work)  // stands for the work done per request
        try responder.send([Array("World".utf8)])
    }
}
