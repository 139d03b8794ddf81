// taskvent: the guide's task ventilator, a PUSH socket handing 100 tasks (random workloads of
// 1-100 ms, as decimal text) to the workers, after telling the sink with "0" that a batch starts.
// It waits for Enter, once the workers are up; --workers N waits instead until N workers are
// connected, which is what the Enter stands for.
import Foundation
import GuideSupport
import Synchronization
import ZMTP

runExample { context in
    let workers = Atomic<Int>(0)
    var options = SocketOptions()
    options.onEvent = { event in
        if case .handshakeSucceeded = event {
            workers.add(1, ordering: .relaxed)
            context.wakeWaiters()
        }
    }
    let sender = try context.socket(.push, options: options)
    try sender.bind("tcp://*:5557")
    let sink = try context.socket(.push)
    try sink.connect("tcp://localhost:5558")

    if let expected = context.arguments.integer("--workers") {
        print("Waiting for \(expected) workers...")
        try context.wait { workers.load(ordering: .relaxed) >= expected }
    } else {
        printProgress("Press Enter when the workers are ready: ")
        let entered = Atomic<Bool>(false)
        Thread.detachNewThread {
            _ = readLine()
            entered.store(true, ordering: .relaxed)
            context.wakeWaiters()
        }
        try context.wait { entered.load(ordering: .relaxed) }
    }
    print("Sending tasks to workers...")
    try sink.send([Array("0".utf8)])

    var totalMilliseconds = 0
    for _ in 0..<100 {
        let workload = Int.random(in: 1...100)
        totalMilliseconds += workload
        try sender.send([Array(String(workload).utf8)])
    }
    print("Total expected cost: \(totalMilliseconds) msec")
}
