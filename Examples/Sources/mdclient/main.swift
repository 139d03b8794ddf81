// mdclient: a Majordomo client that sends "Hello world" to the "echo" service 100,000 times.
// Flags: -v (log every message), --count N (requests, 100000), --timeout-ms N (2500), --retries N
// (3).
import GuideSupport
import Majordomo

runExample { context in
    let arguments = context.arguments
    let client = try MajordomoClient(context, broker: "tcp://localhost:5555", verbose: arguments.has("-v"))
    client.timeout = .milliseconds(arguments.integer("--timeout-ms", default: 2500))
    client.retries = arguments.integer("--retries", default: 3)
    var done = 0
    while done < arguments.count ?? 100_000 {
        guard try client.send(service: "echo", [Array("Hello world".utf8)]) != nil else { break }
        done += 1
    }
    print("\(done) requests/replies processed")
}
