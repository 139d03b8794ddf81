// rtreq: a ROUTER hands work to REQ workers, each as it asks for more, for five seconds; then it
// fires each worker as it next asks, and each prints how many tasks it did.
// Flags: --workers N (worker threads of this process, 10; workers of other processes may join).
import GuideSupport
import ZMTP

func worker(_ context: Context) throws {
    var options = SocketOptions()
    options.identity = printableIdentity()
    let worker = try context.socket(.req, options: options)
    try worker.connect("tcp://localhost:5671")

    var total = 0
    while true {
        try worker.send([Array("Hi Boss".utf8)])
        if try worker.receive() == [Array("Fired!".utf8)] { break }
        total += 1
        try context.sleep(for: .milliseconds(Int.random(in: 1...500)))  // the work
    }
    print("Completed: \(total) tasks")
}

runExample { context in
    try runWorkerFiring(context) { try worker(context) }
}
