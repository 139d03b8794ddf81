// mspoller: reading from two sockets the right way, waiting on both with a poller: the
// ventilator's tasks (5557) and the weather updates (5556). Flags: --filter PREFIX (the
// weather subscription, "10001 " by default), --count N (read N messages, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let receiver = try context.socket(.pull)
    try receiver.connect("tcp://localhost:5557")
    let subscriber = try context.socket(.sub)
    try subscriber.connect("tcp://localhost:5556")
    try subscriber.subscribe(context.arguments.string("--filter") ?? "10001 ")

    let poller = ZMTPPoller()
    poller.add(receiver, for: .readable)
    poller.add(subscriber, for: .readable)
    var left = context.arguments.count ?? .max
    while left > 0 {
        for ready in poller.poll() where left > 0 {
            let text = String(decoding: try ready.socket.receive()[0], as: UTF8.self)
            print(ready.socket === receiver ? "task: \(text)" : "weather: \(text)")
            left -= 1
        }
    }
}
