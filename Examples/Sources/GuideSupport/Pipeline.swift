import ZMTP

/// tasksink's and tasksink2's batch: waits on `receiver` for the ventilator's start of batch,
/// collects the 100 results with the guide's progress marks, and prints how long it took.
public func collectBatch(from receiver: ZMTPSocket) throws {
    _ = try receiver.receive()  // the start of the batch
    let start = ContinuousClock.now
    for task in 0..<100 {
        _ = try receiver.receive()
        printProgress(task % 10 == 0 ? ":" : ".")
    }
    print("\nTotal elapsed time: \(Int((ContinuousClock.now - start) / .milliseconds(1))) msec")
}
