#if canImport(Glibc)
import Glibc
#endif

/// Why a text file could not be read, in words fit for an error message.
struct TextFileError: Error {
    var reason: String
}

/// Config files are small; anything larger than this is not one.
let textFileLimit = 1 << 20

/// Reads a whole regular file of at most `textFileLimit` bytes as UTF-8 text.
func readTextFile(_ path: String) throws(TextFileError) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        let code = errno
        throw TextFileError(reason: code == ENOENT ? "does not exist" : "cannot be opened: \(String(cString: strerror(code)))")
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw TextFileError(reason: "cannot be examined: \(String(cString: strerror(errno)))") }
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw TextFileError(reason: "is not a regular file") }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 << 10)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw TextFileError(reason: "cannot be read: \(String(cString: strerror(errno)))")
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[..<n])
        guard bytes.count <= textFileLimit else { throw TextFileError(reason: "is larger than \(textFileLimit) bytes: not a config file") }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw TextFileError(reason: "is not UTF-8 text") }
    return text
}
