import Foundation
import TestSupport
import Testing

/// contrib/prometheus: the sample configuration and alert rules are valid for promtool, and
/// the rules fire as their unit tests say.
struct ContribPrometheusTests {
    static let directory = Repository.root.appendingPathComponent("contrib/prometheus")

    @Test(arguments: [
        ["check", "rules", "mc0d-alerts.yml"],
        ["test", "rules", "mc0d-alerts.test.yml"],
        ["check", "config", "prometheus.yml"],
    ])
    func promtoolAccepts(_ arguments: [String]) throws {
        guard Promtool.path != nil || Promtool.required else { return }  // promtool missing outside CI
        // promtool resolves rule_files relative to the file it checks.
        let result = try Promtool.run(arguments.dropLast() + [Self.directory.appendingPathComponent(arguments.last!).path])
        #expect(result.status == 0, "\(result.output)")
    }
}
