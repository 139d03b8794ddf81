// wuproxy: a bridge for the weather updates, an XSUB reading from wuserver (5556) and an XPUB
// serving subscribers (8100), joined by ZMTPProxy; subscriptions flow back upstream through it.
// The guide's addresses stand for two networks; here both are loopback.
// Flags: --count N (pass on N updates, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let frontend = try context.socket(.xsub)
    try frontend.connect("tcp://localhost:5556")
    let backend = try context.socket(.xpub)
    try backend.bind("tcp://127.0.0.1:8100")

    // Updates, not the subscriptions going back, whose first byte is 1 or 0.
    try context.runProxy(frontend: frontend, backend: backend) { ($0.first?.first ?? 0) > 1 }
}
