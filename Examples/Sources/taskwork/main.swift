// taskwork: the guide's worker, pulling tasks from the ventilator (5557), sleeping for each
// one's workload in milliseconds, and pushing an empty result to the sink (5558), for ever.
// Flags: --count N (do N tasks, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let receiver = try context.socket(.pull)
    try receiver.connect("tcp://localhost:5557")
    let sender = try context.socket(.push)
    try sender.connect("tcp://localhost:5558")

    for _ in context.arguments.rounds {
        let task = String(decoding: try receiver.receive()[0], as: UTF8.self)
        printProgress("\(task).")
        try context.sleep(for: .milliseconds(Int(task) ?? 0))  // the work
        try sender.send([[]])
    }
}
