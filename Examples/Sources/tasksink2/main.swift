// tasksink2: tasksink that, once the batch is done, tells the workers to exit by publishing
// "KILL" on a PUB socket (5559).
import GuideSupport
import ZMTP

runExample { context in
    let receiver = try context.socket(.pull)
    try receiver.bind("tcp://*:5558")
    let controller = try context.socket(.pub)
    try controller.bind("tcp://*:5559")

    _ = try receiver.receive()  // the start of the batch
    let start = ContinuousClock.now
    for task in 0..<100 {
        _ = try receiver.receive()
        printProgress(task % 10 == 0 ? ":" : ".")
    }
    print("\nTotal elapsed time: \(Int((ContinuousClock.now - start) / .milliseconds(1))) msec")

    try controller.send([Array("KILL".utf8)])
}
