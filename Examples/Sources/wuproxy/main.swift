// wuproxy: a bridge for the weather updates, an XSUB reading from wuserver (5556) and an XPUB
// serving subscribers (8100), joined by ZMTPProxy; subscriptions flow back upstream through it.
// The guide's addresses stand for two networks; here both are loopback.
import GuideSupport
import ZMTP

runExample { context in
    let frontend = try context.socket(.xsub)
    try frontend.connect("tcp://localhost:5556")
    let backend = try context.socket(.xpub)
    try backend.bind("tcp://127.0.0.1:8100")

    try ZMTPProxy(frontend: frontend, backend: backend).run()
}
