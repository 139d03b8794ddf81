// taskwork2: taskwork that also listens for the sink's "KILL" on a SUB socket (5559) and exits
// at it, waiting on both sockets with a poller.
import GuideSupport
import ZMTP

runExample { context in
    let receiver = try context.socket(.pull)
    try receiver.connect("tcp://localhost:5557")
    let sender = try context.socket(.push)
    try sender.connect("tcp://localhost:5558")
    let controller = try context.socket(.sub)
    try controller.connect("tcp://localhost:5559")
    try controller.subscribe("")

    let poller = ZMTPPoller()
    poller.add(receiver, for: .readable)
    poller.add(controller, for: .readable)
    while true {
        let ready = poller.poll().map(\.socket)
        if ready.contains(where: { $0 === receiver }) {
            let task = String(decoding: try receiver.receive()[0], as: UTF8.self)
            printProgress("\(task).")
            try context.sleep(for: .milliseconds(Int(task) ?? 0))  // the work
            try sender.send([[]])
        }
        if ready.contains(where: { $0 === controller }) {
            _ = try controller.receive()  // any message is the kill signal
            print("\nKilled by the sink")
            return
        }
    }
}
