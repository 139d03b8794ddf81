// identity: the routing ids a ROUTER sees: a generated 5-byte id for a REQ that sets none, and
// the identity a REQ sets.
import GuideSupport
import ZMTP

/// Prints a message as the guide's `s_dump` does, under a rule.
func dump(_ message: [[UInt8]]) {
    print(String(repeating: "-", count: 40))
    print(message.dump)
}

runExample { context in
    let sink = try context.socket(.router)
    try sink.bind("inproc://example")

    let anonymous = try context.socket(.req)
    try anonymous.connect("inproc://example")
    try anonymous.send([Array("The ROUTER made up this REQ's routing id".utf8)])
    dump(try sink.receive())

    var options = SocketOptions()
    options.identity = Array("PEER2".utf8)
    let identified = try context.socket(.req, options: options)
    try identified.connect("inproc://example")
    try identified.send([Array("The ROUTER uses the identity this REQ set".utf8)])
    dump(try sink.receive())
}
