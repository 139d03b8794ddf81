// msgqueue: rrbroker done by the built-in proxy: ZMTPProxy joins the clients' ROUTER (5559) and
// the workers' DEALER (5560) until Ctrl-C. Flags: --count N (pass on N replies, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let frontend = try context.socket(.router)
    try frontend.bind("tcp://*:5559")
    let backend = try context.socket(.dealer)
    try backend.bind("tcp://*:5560")

    // The workers' replies say "World".
    try context.runProxy(frontend: frontend, backend: backend) { $0.last == Array("World".utf8) }
}
