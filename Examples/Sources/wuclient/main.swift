// wuclient: the guide's weather client, a SUB socket that averages the temperature of 100
// updates for one zipcode, received with async calls. Usage: wuclient [FILTER] (a prefix,
// "10001 " by default); --connect ENDPOINT reads from elsewhere than tcp://localhost:5556
// (e.g. wuproxy's 8100).
import GuideSupport
import ZMTP

await runExample { context in
    print("Collecting updates from weather server...")
    let subscriber = try context.socket(.sub)
    try subscriber.connect(context.arguments.string("--connect") ?? "tcp://localhost:5556")
    let filter = context.arguments.positional.first ?? "10001 "
    try subscriber.subscribe(filter)

    let updates = 100
    var totalTemperature = 0
    for _ in 0..<updates {
        // "zipcode temperature humidity"
        let fields = String(decoding: try await subscriber.receive()[0], as: UTF8.self).split(separator: " ")
        totalTemperature += fields.count == 3 ? Int(fields[1]) ?? 0 : 0
    }
    print("Average temperature for zipcode '\(filter)' was \(totalTemperature / updates)F")
}
