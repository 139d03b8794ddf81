// tasksink: the guide's sink, a PULL socket that waits for the ventilator's start of batch,
// then collects the 100 results and prints how long the batch took.
import GuideSupport
import ZMTP

runExample { context in
    let receiver = try context.socket(.pull)
    try receiver.bind("tcp://*:5558")

    try collectBatch(from: receiver)
}
