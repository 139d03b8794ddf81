// rtdealer: rtreq with DEALER workers, which write and read the empty delimiter frame that a
// REQ socket adds and strips by itself.
// Flags: --workers N (worker threads of this process, 10; workers of other processes may join).
import GuideSupport
import ZMTP

func worker(_ context: Context) throws {
    var options = SocketOptions()
    options.identity = printableIdentity()
    let worker = try context.socket(.dealer, options: options)
    try worker.connect("tcp://localhost:5671")

    var total = 0
    while true {
        try worker.send([[], Array("Hi Boss".utf8)])
        if try worker.receive() == [[], Array("Fired!".utf8)] { break }  // ["", workload]
        total += 1
        try context.sleep(for: .milliseconds(Int.random(in: 1...500)))  // the work
    }
    print("Completed: \(total) tasks")
}

runExample { context in
    try runWorkerFiring(context) { try worker(context) }
}
