// syncpub: a publisher that waits until its subscribers say they are ready (REP on 5562), then
// sends each of them every update (PUB on 5561) and "END".
// Flags: --count N (updates, 1,000,000), --subscribers N (10).
import GuideSupport
import ZMTP

runExample { context in
    var options = SocketOptions()
    // Room for every update and the END in each subscriber's queue: PUB drops at the mark.
    options.sendHighWaterMark = 1_100_000
    // close() waits this long for the updates still queued; libzmq waits for ever.
    options.linger = .seconds(60)
    let publisher = try context.socket(.pub, options: options)
    try publisher.bind("tcp://*:5561")
    let syncService = try context.socket(.rep)
    try syncService.bind("tcp://*:5562")

    let expected = context.arguments.integer("--subscribers", default: 10)
    print("Waiting for subscribers")
    for _ in 0..<expected {
        _ = try syncService.receive()
        try syncService.send([[]])
    }

    print("Broadcasting messages")
    let update = [Array("Rhubarb".utf8)]
    for _ in 0..<(context.arguments.count ?? 1_000_000) {
        try publisher.send(update)
    }
    try publisher.send([Array("END".utf8)])
}
