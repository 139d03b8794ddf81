import CLibFuzzer
import Glibc

/// Runs libFuzzer with this process's command line (corpus directories, -max_total_time=...)
/// over `callback`. SwiftPM renames an executable's `main`, so libFuzzer's own `main` is never
/// linked: each target's `@main` calls this.
package func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The input as a byte array (empty for a nil pointer).
package func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
