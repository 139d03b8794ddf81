// psenvsub: subscribes to the envelope "B" only, and prints each message as "[envelope] content".
// Flags: --count N (print N messages, then exit).
import GuideSupport
import ZMTP

runExample { context in
    let subscriber = try context.socket(.sub)
    try subscriber.subscribe("B")  // a prefix of the first frame: the envelope
    try subscriber.connect("tcp://localhost:5563")

    for _ in context.arguments.rounds {
        let message = try subscriber.receive().map { String(decoding: $0, as: UTF8.self) }
        print("[\(message[0])] \(message.dropFirst().joined(separator: " "))")  // [envelope, content]
    }
}
