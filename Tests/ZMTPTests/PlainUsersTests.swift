import Foundation
import Testing
import ZMTP

@Suite struct PlainUsersTests {
    private func plain(_ user: String, _ password: String) -> AuthenticationRequest {
        AuthenticationRequest(mechanism: "PLAIN", credentials: .plain(username: user, password: password))
    }

    private func parse(_ text: String) throws(PlainUsersFileError) -> PlainUsers {
        try PlainUsers.parse(Array(text.utf8), path: "/etc/users")
    }

    @Test func usersFileWithCommentsBlankLinesAndCRLF() throws {
        let users = try parse("# operators\n\nadmin:secret\r\n  \t\n  # indented comment\nweb:p:a ss\n")
        #expect(users.count == 2)
        #expect(users.authenticate(plain("admin", "secret")) == .allow(userID: "admin"))
        #expect(users.authenticate(plain("web", "p:a ss")) == .allow(userID: "web"))
        #expect(users.authenticate(plain("admin", "secret ")) == .deny(reason: "wrong user name or password for \"admin\""))
        #expect(users.authenticate(plain("nobody", "secret")) == .deny(reason: "wrong user name or password for \"nobody\""))
        #expect(users.authenticate(AuthenticationRequest(mechanism: "NULL", credentials: .none))
                == .deny(reason: "NULL peer has no PLAIN user name and password"))
    }

    @Test(arguments: [
        ("admin:secret\nno colon here\n", 2, "expected user:password, found no colon"),
        ("\n:secret\n", 2, "the user name must be 1-255 bytes, found 0"),
        ("admin:\n", 1, "the password must be 1-255 bytes, found 0"),
        ("a:1\nb:2\na:3\n", 3, "user \"a\" appears twice"),
        ("a:\(String(repeating: "p", count: 256))", 1, "the password must be 1-255 bytes, found 256"),
    ])
    func badLinesAreTypedErrorsNamingTheLine(text: String, line: Int, problem: String) {
        #expect(throws: PlainUsersFileError(path: "/etc/users", line: line, problem: problem)) { try parse(text) }
    }

    @Test func textThatIsNotUTF8IsRefused() {
        #expect(throws: PlainUsersFileError(path: "f", line: 1, problem: "not UTF-8 text")) {
            try PlainUsers.parse([0x61, 0x3A, 0xFF], path: "f")
        }
    }

    @Test func loadReadsAFileAndNamesAMissingOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mc0-users-\(UUID().uuidString)").path
        try "ops:pw\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try PlainUsers.load(path: path).authenticate(plain("ops", "pw")) == .allow(userID: "ops"))
        let error = PlainUsersFileError(path: path + ".missing", line: nil, problem: "does not exist")
        #expect(throws: error) { try PlainUsers.load(path: path + ".missing") }
        #expect(error.description == "users file \(path).missing: does not exist")
        #expect(PlainUsersFileError(path: "/u", line: 3, problem: "x").description == "users file /u line 3: x")
    }
}
