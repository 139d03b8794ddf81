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
    let broker = try context.socket(.router)
    try broker.bind("tcp://*:5671")
    let workers = (0..<context.arguments.integer("--workers", default: 10)).map { _ in
        context.thread { try worker(context) }
    }

    // The next request comes from the worker that waited longest: [worker, "", "Hi Boss"].
    // The five seconds start with the first one.
    var request = try broker.receive()
    let end = ContinuousClock.now + .seconds(5)
    // The guide fires as many workers as it started; firing every worker that has asked for
    // work lets workers of other processes take part too.
    var met = Set<[UInt8]>()
    var fired = Set<[UInt8]>()
    while true {
        let id = request[0]
        met.insert(id)
        if ContinuousClock.now < end {
            try broker.send([id, [], Array("Work harder".utf8)])
        } else {
            try broker.send([id, [], Array("Fired!".utf8)])
            fired.insert(id)
            if fired == met { break }
        }
        request = try broker.receive()
    }
    for worker in workers { worker.join() }
}
