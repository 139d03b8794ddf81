// syncsub: a subscriber that tells syncpub it is ready (REQ to 5562) once its subscription is on
// its way, then counts the updates (SUB from 5561) until "END".
import Foundation
import GuideSupport
import ZMTP

runExample { context in
    // The guide sleeps a second so that the subscription reaches the publisher before the
    // ready signal does. Our SUB sends its subscriptions as its handshake completes, so that
    // event is the one to wait for; it is signalled at close too, so Ctrl-C does not hang here.
    let subscribed = DispatchSemaphore(value: 0)
    var options = SocketOptions()
    options.onEvent = { event in
        switch event {
        case .handshakeSucceeded, .closed: subscribed.signal()
        default: break
        }
    }
    let subscriber = try context.socket(.sub, options: options)
    try subscriber.subscribe("")
    try subscriber.connect("tcp://localhost:5561")
    subscribed.wait()

    let syncClient = try context.socket(.req)
    try syncClient.connect("tcp://localhost:5562")
    try syncClient.send([[]])
    _ = try syncClient.receive()

    var updates = 0
    while try subscriber.receive() != [Array("END".utf8)] {
        updates += 1
    }
    print("Received \(updates) updates")
}
