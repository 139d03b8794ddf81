// mtrelay: three threads signal each other in turn over inproc PAIR sockets, each step binding
// before it starts the thread that connects to it.
import GuideSupport
import ZMTP

func step1(_ context: Context) throws {
    let transmitter = try context.socket(.pair)
    try transmitter.connect("inproc://step2")
    print("Step 1 ready, signaling step 2")
    try transmitter.send([Array("READY".utf8)])
    transmitter.close()
}

func step2(_ context: Context) throws {
    let receiver = try context.socket(.pair)
    try receiver.bind("inproc://step2")
    context.thread { try step1(context) }
    _ = try receiver.receive()
    receiver.close()

    let transmitter = try context.socket(.pair)
    try transmitter.connect("inproc://step3")
    print("Step 2 ready, signaling step 3")
    try transmitter.send([Array("READY".utf8)])
    transmitter.close()
}

runExample { context in
    let receiver = try context.socket(.pair)
    try receiver.bind("inproc://step3")
    context.thread { try step2(context) }
    _ = try receiver.receive()
    print("Test successful!")
}
