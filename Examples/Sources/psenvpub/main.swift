// psenvpub: publishes two-part messages, an envelope ("A" or "B") that subscribers filter on, then
// the content, once a second.
// Flags: --count N (publish N rounds, then exit), --interval-ms N (between rounds, 1000 ms).
import GuideSupport
import ZMTP

runExample { context in
    let publisher = try context.socket(.pub)
    try publisher.bind("tcp://*:5563")
    let interval = Duration.milliseconds(context.arguments.integer("--interval-ms", default: 1000))

    for _ in context.arguments.rounds {
        try publisher.send([Array("A".utf8), Array("Only subscribers to A see this".utf8)])
        try publisher.send([Array("B".utf8), Array("Subscribers to B see this".utf8)])
        try context.sleep(for: interval)
    }
}
