#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// A key file that cannot be read, written or parsed. The description names the file and,
/// for key lists, the line: "broker public key file /x: expected 40 Z85 characters, got 39".
public struct CurveKeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What the file is for, e.g. "broker public key"; the description puts " file" after it.
    public var label: String
    public var path: String
    /// 1-based line number, for files holding several keys.
    public var line: Int?
    public var problem: String

    public var description: String {
        let place = line.map { "\(path) line \($0)" } ?? path
        return "\(label) file \(place): \(problem)"
    }
}

/// CURVE key files as libzmq's curve_keygen and zmq.curve_keypair() produce them:
/// one key per file, 40 Z85 characters, trailing newline or spaces tolerated.
public enum CurveKeyFile {
    /// Key files are a line; anything bigger is not a key file.
    static let keyFileLimit = 4096

    public static func readPublic(path: String, label: String = "public key") throws(CurveKeyFileError) -> CurvePublicKey {
        var content = try readFile(path: path, label: label, limit: keyFileLimit)
        defer { Sodium.wipe(&content) }
        return CurvePublicKey(validated: try parseKeyText(content, path: path, label: label, line: nil))
    }

    public static func readSecret(path: String, label: String = "secret key") throws(CurveKeyFileError) -> CurveSecretKey {
        var content = try readFile(path: path, label: label, limit: keyFileLimit)
        defer { Sodium.wipe(&content) }
        var raw = try parseKeyText(content, path: path, label: label, line: nil)
        defer { Sodium.wipe(&raw) }
        return CurveSecretKey(storage: SecretBytes(copying: raw))
    }

    /// Writes `basePath.public` (mode 0644) and `basePath.private` (0600), each the 40 Z85
    /// characters and a newline. Refuses to overwrite either file.
    public static func write(_ pair: CurveKeyPair, basePath: String) throws(CurveKeyFileError) {
        let publicPath = basePath + ".public", privatePath = basePath + ".private"
        for (path, label) in [(publicPath, "public key"), (privatePath, "secret key")] where fileExists(path) {
            throw CurveKeyFileError(label: label, path: path, line: nil,
                                    problem: "already exists; refusing to overwrite it (move it away or choose another name)")
        }
        var secretText = Array((pair.secretKey.z85Secret + "\n").utf8)
        defer { Sodium.wipe(&secretText) }
        // The secret first: if it cannot be written, no public file is left behind alone.
        try createFile(path: privatePath, label: "secret key", mode: 0o600, content: secretText)
        do {
            try createFile(path: publicPath, label: "public key", mode: 0o644, content: Array((pair.publicKey.z85 + "\n").utf8))
        } catch {
            _ = Syscall.run { unlink(privatePath) }
            throw error
        }
    }

    /// One key from a file's text: trailing spaces, tabs, CR and LF are tolerated, nothing else.
    static func parseKeyText(_ content: [UInt8], path: String, label: String, line: Int?) throws(CurveKeyFileError) -> [UInt8] {
        func fail(_ problem: String) -> CurveKeyFileError {
            CurveKeyFileError(label: label, path: path, line: line, problem: problem)
        }
        var end = content.count
        while end > 0, [0x20, 0x09, 0x0D, 0x0A].contains(content[end - 1]) { end -= 1 }
        let text = content[..<end]
        if text.contains(0x0A) { throw fail("expected one line holding 40 Z85 characters, found several lines") }
        guard text.count == 40 else { throw fail("expected 40 Z85 characters, got \(text.count)") }
        for (i, b) in text.enumerated() where b >= 0x80 || Z85.decodeTable[Int(b)] == 0xFF {
            let shown = b >= 0x21 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
            throw fail("\(shown) at column \(i + 1) is not a Z85 character")
        }
        do {
            return try Z85.decode(String(decoding: text, as: UTF8.self))
        } catch {
            throw fail("not a key: \(error)")
        }
    }

    static func fileExists(_ path: String) -> Bool {
        var st = stat()
        if case .success = Syscall.run({ lstat(path, &st) }) { return true }
        return false
    }

    /// Reads a whole regular file of at most `limit` bytes.
    static func readFile(path: String, label: String, limit: Int) throws(CurveKeyFileError) -> [UInt8] {
        func fail(_ problem: String) -> CurveKeyFileError {
            CurveKeyFileError(label: label, path: path, line: nil, problem: problem)
        }
        let fd: Int32
        switch Syscall.run({ open(path, O_RDONLY | O_CLOEXEC) }) {
        case .success(let opened): fd = opened
        case .failure(.noSuchFile): throw fail("does not exist")
        case .failure(let errno): throw fail("cannot be opened: \(errno)")
        }
        defer { Syscall.close(fd) }
        var st = stat()
        if case .failure(let errno) = Syscall.run({ fstat(fd, &st) }) { throw fail("cannot be examined: \(errno)") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw fail("is not a regular file") }
        guard Int(st.st_size) <= limit else { throw fail("is \(st.st_size) bytes, too large for this kind of file (limit \(limit))") }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { Sodium.wipe(&chunk) }
        while true {
            let n: Int
            switch Syscall.run({ chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }) {
            case .success(let count): n = count
            case .failure(let errno): throw fail("cannot be read: \(errno)")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[..<n])
            // The file may grow after fstat: never hold more than the limit.
            guard out.count <= limit else { Sodium.wipe(&out); throw fail("is larger than the limit of \(limit) bytes") }
        }
        return out
    }

    /// Creates a new file (never replacing one) with exactly `mode`, whatever the umask.
    static func createFile(path: String, label: String, mode: mode_t, content: [UInt8]) throws(CurveKeyFileError) {
        func fail(_ problem: String) -> CurveKeyFileError {
            CurveKeyFileError(label: label, path: path, line: nil, problem: problem)
        }
        let fd: Int32
        switch Syscall.run({ open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }) {
        case .success(let opened): fd = opened
        case .failure(.fileExists): throw fail("already exists; refusing to overwrite it")
        case .failure(let errno): throw fail("cannot be created: \(errno)")
        }
        var failure: Errno?
        if case .failure(let errno) = Syscall.run({ fchmod(fd, mode) }) { failure = errno }
        var written = 0
        while failure == nil, written < content.count {
            switch Syscall.run({ content.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + written, $0.count - written) } }) {
            case .success(0): failure = .ioError
            case .success(let n): written += n
            case .failure(let errno): failure = errno
            }
        }
        if failure == nil, case .failure(let errno) = Syscall.run({ fsync(fd) }) { failure = errno }
        if case .failure(let errno) = Syscall.close(fd), failure == nil { failure = errno }
        if let failure {
            _ = Syscall.run { unlink(path) }
            throw fail("cannot be written: \(failure)")
        }
    }
}
