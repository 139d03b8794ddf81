#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import ZMTP

/// A private directory under /tmp, removed with everything in it when released.
final class CurveTempDir {
    let path: String

    init() throws {
        var template = Array("/tmp/mc0-curve-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw CurveKeyFileError(label: "test", path: "/tmp", line: nil, problem: "mkdtemp failed") }
        path = String(cString: p)
    }

    func file(_ name: String, _ content: String) -> String {
        let p = path + "/" + name
        if let f = fopen(p, "w") {
            fputs(content, f)
            fclose(f)
        }
        return p
    }

    func mode(_ name: String) -> mode_t {
        var st = stat()
        stat(path + "/" + name, &st)
        return st.st_mode & 0o7777
    }

    func read(_ name: String) -> String {
        guard let f = fopen(path + "/" + name, "r") else { return "" }
        defer { fclose(f) }
        var out: [UInt8] = []
        while case let c = fgetc(f), c != EOF { out.append(UInt8(c)) }
        return String(decoding: out, as: UTF8.self)
    }

    deinit {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}

/// A pair made by pyzmq 27.3 (libzmq 4.3.5): zmq.curve_keypair().
enum PyzmqKeyFixture {
    static let publicZ85 = "jZ(y*>o]lu.0Ikr3?OX$SVJ]e5G1prik%k72TLUg"
    static let secretZ85 = "rjnE7&GkjB9fWi]1n<q]qo.e=^%@/)e6TJ!+9=zk"
    static let publicHex = "3d61c7dfe727e1d7c0ed03690bf478daaa1f301411184ef838c5cfe30841af6c"
}

@Suite struct CurveKeyTests {
    @Test func publicKeyDerivedFromSecretMatchesLibzmq() throws {
        let secret = try CurveSecretKey(z85: PyzmqKeyFixture.secretZ85)
        #expect(secret.publicKey.z85 == PyzmqKeyFixture.publicZ85)
        let pub = try CurvePublicKey(z85: PyzmqKeyFixture.publicZ85)
        #expect(pub.bytes.map { String(format2: $0) }.joined() == PyzmqKeyFixture.publicHex)
        #expect(pub == secret.publicKey)
        #expect(secret.z85Secret == PyzmqKeyFixture.secretZ85)
        #expect(CurveKeyPair(secretKey: secret).publicKey == pub)
    }

    @Test func secretIsNeverPrinted() throws {
        let secret = try CurveSecretKey(z85: PyzmqKeyFixture.secretZ85)
        #expect(secret.description == "CurveSecretKey(<redacted>)")
        #expect("\(secret)" == "CurveSecretKey(<redacted>)")
        #expect(!String(reflecting: secret).contains(PyzmqKeyFixture.secretZ85))
        let pub = try CurvePublicKey(z85: PyzmqKeyFixture.publicZ85)
        #expect("\(pub)" == PyzmqKeyFixture.publicZ85)
    }

    @Test func generatedPairsAreConsistentAndDistinct() {
        let a = CurveKeyPair.generate(), b = CurveKeyPair.generate()
        #expect(a.secretKey.publicKey == a.publicKey)
        #expect(a.publicKey != b.publicKey)
        #expect(Set([a.publicKey, b.publicKey, a.publicKey]).count == 2)
    }

    @Test func keysRefuseWrongSizes() {
        #expect(throws: CurveKeyError.wrongLength(31)) { try CurvePublicKey(bytes: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: CurveKeyError.wrongLength(33)) { try CurveSecretKey(bytes: [UInt8](repeating: 1, count: 33)) }
        #expect(throws: CurveKeyError.wrongTextLength(39)) { try CurvePublicKey(z85: String(PyzmqKeyFixture.publicZ85.dropLast())) }
        #expect(throws: CurveKeyError.z85(.badCharacter("~", offset: 0))) { try CurveSecretKey(z85: "~" + PyzmqKeyFixture.secretZ85.dropFirst()) }
    }

    // MARK: key files

    @Test func readsKeyFilesWithOrWithoutNewlineAndTrailingSpaces() throws {
        let dir = try CurveTempDir()
        for (i, text) in [PyzmqKeyFixture.publicZ85, PyzmqKeyFixture.publicZ85 + "\n",
                          PyzmqKeyFixture.publicZ85 + "  \r\n", PyzmqKeyFixture.publicZ85 + " \t\n\n"].enumerated() {
            let path = dir.file("k\(i).public", text)
            #expect(try CurveKeyFile.readPublic(path: path).z85 == PyzmqKeyFixture.publicZ85)
        }
        let secretPath = dir.file("k.private", PyzmqKeyFixture.secretZ85 + "\n")
        #expect(try CurveKeyFile.readSecret(path: secretPath).publicKey.z85 == PyzmqKeyFixture.publicZ85)
    }

    private func keyFileError(_ content: String, label: String = "broker public key") throws -> CurveKeyFileError? {
        let dir = try CurveTempDir()
        let path = dir.file("bad.public", content)
        do {
            _ = try CurveKeyFile.readPublic(path: path, label: label)
            return nil
        } catch {
            #expect(error.path == path)
            return error
        }
    }

    @Test func refusesMalformedKeyFilesSayingWhatIsWrong() throws {
        let key = PyzmqKeyFixture.publicZ85
        let short = try #require(try keyFileError(String(key.dropLast()) + "\n"))
        #expect(short.description == "broker public key file \(short.path): expected 40 Z85 characters, got 39")
        #expect(try keyFileError(key + "0\n")?.problem == "expected 40 Z85 characters, got 41")
        #expect(try keyFileError("~" + key.dropFirst())?.problem == "'~' at column 1 is not a Z85 character")
        #expect(try keyFileError(String(key.dropLast()) + "\u{1}")?.problem == "byte 0x1 at column 40 is not a Z85 character")
        #expect(try keyFileError(key + "\n" + key + "\n")?.problem.contains("several lines") == true)
        #expect(try keyFileError(" " + key)?.problem == "expected 40 Z85 characters, got 41")
        #expect(try keyFileError("")?.problem == "expected 40 Z85 characters, got 0")
        #expect(try keyFileError("%nSc1" + key.dropFirst(5))?.problem.contains("exceeds 32 bits") == true)
    }

    @Test func missingOrOversizedFileIsAClearError() throws {
        let dir = try CurveTempDir()
        let missing = dir.path + "/nope.private"
        #expect(throws: CurveKeyFileError(label: "secret key", path: missing, line: nil, problem: "does not exist")) {
            try CurveKeyFile.readSecret(path: missing)
        }
        #expect(throws: CurveKeyFileError(label: "public key", path: dir.path, line: nil, problem: "is not a regular file")) {
            try CurveKeyFile.readPublic(path: dir.path)
        }
        let big = dir.file("big.public", String(repeating: "0", count: 5000))
        #expect(throws: CurveKeyFileError.self) { try CurveKeyFile.readPublic(path: big) }
    }

    @Test func writesAPairWithModesAndRefusesToOverwrite() throws {
        let dir = try CurveTempDir()
        let pair = CurveKeyPair.generate()
        try CurveKeyFile.write(pair, basePath: dir.path + "/node")
        #expect(dir.read("node.public") == pair.publicKey.z85 + "\n")
        #expect(dir.read("node.private") == pair.secretKey.z85Secret + "\n")
        #expect(dir.mode("node.private") == 0o600)
        #expect(dir.mode("node.public") == 0o644)
        #expect(try CurveKeyFile.readPublic(path: dir.path + "/node.public") == pair.publicKey)
        #expect(try CurveKeyFile.readSecret(path: dir.path + "/node.private").publicKey == pair.publicKey)

        let other = CurveKeyPair.generate()
        #expect(throws: CurveKeyFileError.self) { try CurveKeyFile.write(other, basePath: dir.path + "/node") }
        #expect(dir.read("node.public") == pair.publicKey.z85 + "\n")

        // Only one of the two exists: still refused, and the missing one is not created.
        _ = dir.file("half.public", "x")
        do {
            try CurveKeyFile.write(other, basePath: dir.path + "/half")
            Issue.record("overwrote half.public")
        } catch {
            #expect(error.problem.contains("refusing to overwrite"))
            #expect(error.path == dir.path + "/half.public")
        }
        #expect(!CurveKeyFile.fileExists(dir.path + "/half.private"))
    }

    @Test func writeIntoMissingDirectoryFails() {
        #expect(throws: CurveKeyFileError.self) {
            try CurveKeyFile.write(CurveKeyPair.generate(), basePath: "/nonexistent-mc0-dir/node")
        }
    }

    // MARK: authorizer

    @Test func authorizerAllowListPolicyAndReplacement() {
        let a = CurveKeyPair.generate().publicKey, b = CurveKeyPair.generate().publicKey
        let any = CurveAuthorizer()
        #expect(any.isAuthorized(a) && any.isAuthorized(b))

        let listed = CurveAuthorizer(allowed: [a])
        #expect(listed.isAuthorized(a) && !listed.isAuthorized(b))
        listed.replaceAllowed([b])
        #expect(!listed.isAuthorized(a) && listed.isAuthorized(b))
        listed.replaceAllowed(nil)
        #expect(listed.isAuthorized(a) && listed.isAuthorized(b))

        let both = CurveAuthorizer(allowed: [a, b], policy: { $0 != b })
        #expect(both.isAuthorized(a) && !both.isAuthorized(b))
    }

    @Test func loadsKeyListsWithCommentsAndBlankLines() throws {
        let dir = try CurveTempDir()
        let a = CurveKeyPair.generate().publicKey, b = CurveKeyPair.generate().publicKey
        let path = dir.file("authorized", "# nodes\n\n  \(a.z85)\n\(b.z85)   # web01\r\n\t\n#\(a.z85)")
        #expect(try CurveAuthorizer.loadKeyList(path: path) == [a, b])
        #expect(try CurveAuthorizer.loadKeyList(path: dir.file("empty", "")) == [])
    }

    @Test func keyListErrorsNameFileAndLine() throws {
        let dir = try CurveTempDir()
        let a = CurveKeyPair.generate().publicKey
        let path = dir.file("authorized", "# nodes\n\(a.z85)\n\(a.z85.dropLast())\n")
        #expect(throws: CurveKeyFileError(label: "authorized keys", path: path, line: 3, problem: "expected 40 Z85 characters, got 39")) {
            try CurveAuthorizer.loadKeyList(path: path)
        }
        let extra = dir.file("extra", "\(a.z85) \(a.z85)\n")
        do {
            _ = try CurveAuthorizer.loadKeyList(path: extra)
            Issue.record("accepted two keys on one line")
        } catch {
            #expect(error.description == "authorized keys file \(extra) line 1: expected one key per line, found more text after the key")
        }
        #expect(throws: CurveKeyFileError.self) { try CurveAuthorizer.loadKeyList(path: dir.path + "/missing") }
    }
}

private extension String {
    init(format2 byte: UInt8) { self = (byte < 16 ? "0" : "") + String(byte, radix: 16) }
}
