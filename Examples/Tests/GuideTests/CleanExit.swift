import ChildProcesses
import Testing

extension ChildProcess {
    /// Waits for the exit and expects status 0, with the program's output in the failure.
    func expectCleanExit(timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) {
        let status = waitExit(timeout: timeout)
        #expect(status == 0 && process.terminationReason == .exit,
                "\(name) ended with \(process.terminationReason == .exit ? "status" : "signal") \(status): \(allLines.suffix(20))",
                sourceLocation: sourceLocation)
    }
}
