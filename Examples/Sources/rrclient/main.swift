// rrclient: a REQ client of the request-reply broker (rrbroker or msgqueue, on 5559) that sends
// ten "Hello"s, one at a time.
import GuideSupport
import ZMTP

runExample { context in
    let requester = try context.socket(.req)
    try requester.connect("tcp://localhost:5559")

    for request in 0..<10 {
        try requester.send([Array("Hello".utf8)])
        let reply = String(decoding: try requester.receive()[0], as: UTF8.self)
        print("Received reply \(request) [\(reply)]")
    }
}
