#if canImport(Glibc)
import Glibc
#endif

/// Reads stdin line by line as bytes (no text decoding: frames may hold any byte but newline).
final class LineReader {
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 64 << 10)
    private var start = 0
    private var atEOF = false
    /// The 1-based number of the line `next` returned last.
    private(set) var lineNumber = 0

    /// The next line without its newline; nil at end of input. A last line without a newline
    /// still counts.
    func next() -> [UInt8]? {
        guard let line = nextLine() else { return nil }
        lineNumber += 1
        return line
    }

    private func nextLine() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { start = newline + 1 }
                return Array(buffer[start..<newline])
            }
            if atEOF {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return Array(buffer[start...])
            }
            buffer.removeFirst(start)
            start = 0
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { atEOF = true } else { buffer.append(contentsOf: chunk[..<n]) }
        }
    }
}

/// Writes all of `bytes` to `fd` at once (stdout unbuffered, so a pipe sees each message as it
/// comes).
func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var rest = bytes[...]
    while !rest.isEmpty {
        let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        rest = rest.dropFirst(n)
    }
}

/// A line on stderr, prefixed with the tool's name.
func printError(_ text: String) {
    writeAll(2, Array("zmtp cat: \(text)\n".utf8))
}
