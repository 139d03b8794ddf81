#if canImport(Glibc)
import Glibc
#endif
import ZMTP

/// Why a text file could not be read, in words fit for an error message.
struct TextFileError: Error {
    var reason: String
}

/// Config files are small; anything larger than this is not one.
let textFileLimit = 1 << 20

/// Reads a whole regular file of at most `textFileLimit` bytes as UTF-8 text.
func readTextFile(_ path: String) throws(TextFileError) -> String {
    let fd: Int32
    switch Syscall.run({ open(path, O_RDONLY | O_CLOEXEC) }) {
    case .success(let opened): fd = opened
    case .failure(.noSuchFile): throw TextFileError(reason: "does not exist")
    case .failure(let errno): throw TextFileError(reason: "cannot be opened: \(errno)")
    }
    defer { Syscall.close(fd) }
    var st = stat()
    if case .failure(let errno) = Syscall.run({ fstat(fd, &st) }) { throw TextFileError(reason: "cannot be examined: \(errno)") }
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw TextFileError(reason: "is not a regular file") }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 << 10)
    while true {
        let n: Int
        switch Syscall.run({ chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }) {
        case .success(let count): n = count
        case .failure(let errno): throw TextFileError(reason: "cannot be read: \(errno)")
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[..<n])
        guard bytes.count <= textFileLimit else { throw TextFileError(reason: "is larger than \(textFileLimit) bytes: not a config file") }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw TextFileError(reason: "is not UTF-8 text") }
    return text
}
