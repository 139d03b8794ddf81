// msreader: reading from two sockets the naive way, the guide's foil for mspoller: it drains the
// ventilator's tasks (5557) first, then the weather updates (5556), and sleeps 1 ms when both
// are empty. Flags: --filter PREFIX (the weather subscription, "10001 " by default), --count N
// (read N messages, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let receiver = try context.socket(.pull)
    try receiver.connect("tcp://localhost:5557")
    let subscriber = try context.socket(.sub)
    try subscriber.connect("tcp://localhost:5556")
    try subscriber.subscribe(context.arguments.string("--filter") ?? "10001 ")

    /// The next message queued on `socket`, nil when there is none.
    func poll(_ socket: ZMTPSocket) throws -> String? {
        do {
            return String(decoding: try socket.receive(timeout: .zero)[0], as: UTF8.self)
        } catch .wouldBlock {
            return nil
        }
    }

    var left = context.arguments.count ?? .max
    while left > 0 {
        while left > 0, let task = try poll(receiver) {
            print("task: \(task)")
            left -= 1
        }
        while left > 0, let update = try poll(subscriber) {
            print("weather: \(update)")
            left -= 1
        }
        try context.sleep(for: .milliseconds(1))  // nothing came: wait a little
    }
}
