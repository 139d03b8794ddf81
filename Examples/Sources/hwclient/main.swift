// hwclient: the guide's first client, a REQ socket that sends ten "Hello"s and waits for each "World".
import GuideSupport
import ZMTP

runExample { context in
    print("Connecting to hello world server...")
    let requester = try context.socket(.req)
    try requester.connect("tcp://localhost:5555")

    for request in 0..<10 {
        print("Sending Hello \(request)...")
        try requester.send([Array("Hello".utf8)])
        _ = try requester.receive()
        print("Received World \(request)")
    }
}
