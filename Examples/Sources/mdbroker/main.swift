// mdbroker: the Majordomo broker (MDP/0.1), one ROUTER at tcp://*:5555 for clients and workers.
// Flags: -v (log every message), --count N (pass on N replies, then exit), --heartbeat-ms N (2500:
// the heartbeat interval).
import GuideSupport

runExample { context in
    let heartbeat = Duration.milliseconds(context.arguments.integer("--heartbeat-ms", default: 2500))
    let broker = try Broker(context, heartbeat: heartbeat, verbose: context.arguments.has("-v"))
    try broker.bind("tcp://*:5555")
    try broker.run(replies: context.arguments.count ?? .max)
}
