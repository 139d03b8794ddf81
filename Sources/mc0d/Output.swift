import Glibc
import ZMTP

/// Whole lines written straight to the file descriptors: stdout lines reach a pipe at once
/// (tests and scripts wait on them), and nothing is buffered past an exit().
enum Output {
    static func line(_ text: String) { write(text + "\n", to: 1) }

    /// "mc0d: <text>" on stderr.
    static func error(_ text: String) { write("mc0d: " + text + "\n", to: 2) }

    private static func write(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            guard case .success(let n) = Syscall.run({ bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) } }),
                  n > 0 else { return }
            offset += n
        }
    }
}
