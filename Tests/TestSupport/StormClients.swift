import Foundation

extension ChildProcess {
    /// A reconnect storm from stock libzmq: Fixtures/storm_clients.py (flags in its docstring).
    public static func stormClients(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                         ["python3", "-u", Repository.fixtures.appendingPathComponent("storm_clients.py").path] + arguments)
    }
}
