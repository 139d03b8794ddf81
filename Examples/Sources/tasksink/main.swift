// tasksink: the guide's sink, a PULL socket that waits for the ventilator's start of batch,
// then collects the 100 results and prints how long the batch took.
import GuideSupport
import ZMTP

runExample { context in
    let receiver = try context.socket(.pull)
    try receiver.bind("tcp://*:5558")

    _ = try receiver.receive()  // the start of the batch
    let start = ContinuousClock.now
    for task in 0..<100 {
        _ = try receiver.receive()
        printProgress(task % 10 == 0 ? ":" : ".")
    }
    print("\nTotal elapsed time: \(Int((ContinuousClock.now - start) / .milliseconds(1))) msec")
}
