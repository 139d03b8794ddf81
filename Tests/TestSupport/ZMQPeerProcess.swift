// The suites' tests name ChildProcess through this module, as they do every other support type.
@_exported import ChildProcesses
import Foundation

extension ChildProcess {
    /// A pyzmq peer from Fixtures/zmq_peer.py (see Fixtures/README.md for its flags).
    public static func zmqPeer(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                         ["python3", "-u", Repository.fixtures.appendingPathComponent("zmq_peer.py").path] + arguments)
    }

    /// The endpoint a zmq_peer printed after bind/connect.
    public func endpoint() throws -> String {
        guard let line = waitLine("ENDPOINT ") else { throw ChildProcessError.noEndpoint(allLines) }
        return String(line.dropFirst("ENDPOINT ".count))
    }

    /// Closes stdin (a zmq_peer exits) and waits.
    public func stop() {
        closeInput()
        waitExit(timeout: 10)
    }

    public enum ChildProcessError: Error { case noEndpoint([String]) }
}
