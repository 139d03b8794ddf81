// rrworker: a REP worker behind the request-reply broker (connecting to 5560), answering each
// request with "World" after a second of pretended work. Flags: --count N (answer N requests,
// then exit), --work-ms N (the pretended work, 1000 ms).
import GuideSupport
import ZMTP

runExample { context in
    let responder = try context.socket(.rep)
    try responder.connect("tcp://localhost:5560")
    let work = Duration.milliseconds(context.arguments.integer("--work-ms", default: 1000))

    for _ in context.arguments.rounds {
        let request = String(decoding: try responder.receive()[0], as: UTF8.self)
        print("Received request: [\(request)]")
        try context.sleep(for: work)
        try responder.send([Array("World".utf8)])
    }
}
