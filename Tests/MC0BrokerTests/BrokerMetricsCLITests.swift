import Foundation
import MC0
import TestSupport
import Testing

/// mc0d --metrics values, and --version of both commands.
@Suite(.serialized) struct BrokerMetricsCLITests {
    @Test func badMetricsAddressesGetOneLineAndExit64() throws {
        for value in ["9616", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", ":9616", "http://127.0.0.1:9616"] {
            let result = try BrokerEndToEndCLITests.run(["--no-curve", "--metrics", value])
            #expect(result.status == 64, "\(value)")
            #expect(result.stderr.count == 1 && result.stderr[0].contains("--metrics '\(value)' is not ADDR:PORT"), "\(result.stderr)")
        }
        let taken = try BrokerProcess(["--no-curve", "--metrics", "127.0.0.1:0"])
        defer { taken.stop() }
        let port = try #require(taken.metricsPort)
        let clash = try BrokerEndToEndCLITests.run(["--no-curve", "--bind", "127.0.0.1", "--port", "0", "--metrics", "127.0.0.1:\(port)"])
        #expect(clash.status == 1)
        #expect(clash.stderr.last?.contains("Address already in use") == true, "\(clash.stderr)")
    }

    @Test func bothCommandsPrintTheirVersion() throws {
        for product in ["mc0d", "mc0"] {
            let process = Process()
            process.executableURL = Repository.builtProduct(product)
            process.arguments = ["--version"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let text = Thread.detachNewThreadResult {
                String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            #expect(text.wait(timeout: 20) == MC0Release.version + "\n", "\(product)")
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
    }
}
