import ZMTP

/// rtreq's and rtdealer's main: binds the broker's ROUTER on tcp://*:5671, starts `--workers N`
/// threads (10) running `worker`, hands out work until every worker is fired, and waits for
/// the threads to print their totals.
public func runWorkerFiring(_ context: Context, worker: @escaping @Sendable () throws -> Void) throws {
    let broker = try context.socket(.router)
    try broker.bind("tcp://*:5671")
    let workers = (0..<context.arguments.integer("--workers", default: 10)).map { _ in
        context.thread(worker)
    }
    try handOutWorkThenFire(on: broker)
    for worker in workers { worker.join() }
}

/// The broker of rtreq and rtdealer, on a ROUTER its workers connect to: each request
/// ([worker, "", "Hi Boss"]) comes from the worker that waited longest and gets "Work harder"
/// for five seconds from the first one, then "Fired!". Returns once every worker that asked has
/// been fired: the guide fires as many as it started, this lets workers of other processes
/// take part too.
func handOutWorkThenFire(on broker: ZMTPSocket) throws {
    var request = try broker.receive()
    let end = ContinuousClock.now + .seconds(5)
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
            if fired == met { return }
        }
        request = try broker.receive()
    }
}
