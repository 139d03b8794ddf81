// tasksink2: tasksink that, once the batch is done, tells the workers to exit by publishing
// "KILL" on a PUB socket (5559).
import GuideSupport
import ZMTP

runExample { context in
    let receiver = try context.socket(.pull)
    try receiver.bind("tcp://*:5558")
    let controller = try context.socket(.pub)
    try controller.bind("tcp://*:5559")

    try collectBatch(from: receiver)

    try controller.send([Array("KILL".utf8)])
}
