// wuserver: the guide's weather server, a PUB socket publishing random "zipcode temperature
// humidity" updates for ever. Flags: --count N (publish N updates, then exit).
import Foundation
import GuideSupport
import ZMTP

runExample { context in
    let publisher = try context.socket(.pub)
    try publisher.bind("tcp://*:5556")

    for _ in context.arguments.rounds {
        let zipcode = Int.random(in: 0..<100_000)
        let temperature = Int.random(in: 0..<215) - 80
        let humidity = Int.random(in: 0..<50) + 10
        try publisher.send([Array(String(format: "%05d %d %d", zipcode, temperature, humidity).utf8)])
    }
}
