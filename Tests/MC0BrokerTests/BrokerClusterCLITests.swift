import Foundation
import TestSupport
import Testing

/// mc0d --cluster on the command line: credentials from the URL or from a file, against a
/// nats-server that requires them, and one clear line for every bad input.
@Suite(.serialized, .enabled(if: NATSServer.isInstalled, "needs nats-server (scripts/setup --test)"))
struct BrokerClusterCLITests {
    @Test func credentialsComeFromTheURLOrFromAFile() throws {
        let scratch = try ScratchDirectory()
        let withUser = try NATSServer(authorization: "user: mc0\npassword: \"p@ss word\"")
        let inURL = try BrokerProcess(["--no-curve", "--cluster", "nats://mc0:p%40ss%20word@127.0.0.1:\(withUser.clientPort)"])
        defer { inURL.stop() }
        #expect(inURL.waitLog("NATS connected to nats://127.0.0.1:\(withUser.clientPort)"))
        #expect(!inURL.child.allLines.contains { $0.contains("p@ss") || $0.contains("p%40ss") }, "credentials must not be logged")

        let file = scratch.path("nats.credentials")
        try "# NATS\nuser = mc0\npassword = p@ss word\n".write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try BrokerProcess(["--no-curve", "--cluster", withUser.url, "--cluster-credentials", file])
        defer { fromFile.stop() }
        #expect(fromFile.waitLog("NATS connected to \(withUser.url)"))

        let withToken = try NATSServer(authorization: "token: s3cret")
        let tokenFile = scratch.path("token.credentials")
        try "token = s3cret\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let token = try BrokerProcess(["--no-curve", "--cluster", withToken.url, "--cluster-credentials", tokenFile])
        defer { token.stop() }
        #expect(token.waitLog("NATS connected to \(withToken.url)"))

        // Refused: the broker serves its own clients all the same and says why NATS refused.
        let refused = try BrokerProcess(["--no-curve", "--cluster", withToken.url, "--log-level", "warning"])
        defer { refused.stop() }
        #expect(refused.waitLog("-ERR 'Authorization Violation'"))
    }

    @Test func badClusterSettingsGetOneLineAndANonZeroExit() throws {
        let scratch = try ScratchDirectory()
        func credentials(_ name: String, _ text: String) throws -> String {
            let path = scratch.path(name)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let cases: [(arguments: [String], status: Int32, says: String)] = [
            (["--cluster", "http://127.0.0.1:4222"], 64, "--cluster: NATS server URL http://127.0.0.1:4222: the scheme must be nats://"),
            (["--cluster", "nats://u:secret@127.0.0.1:99999"], 64, "NATS server URL nats://…@127.0.0.1:99999: bad port '99999'"),
            (["--cluster", ""], 64, "no server given"),
            (["--cluster-credentials", "/nonexistent"], 64, "--cluster-credentials needs --cluster"),
            (["--cluster", "nats://127.0.0.1:4222", "--cluster-credentials", scratch.path("missing")], 1, "NATS credentials file \(scratch.path("missing")): does not exist"),
            (["--cluster", "nats://127.0.0.1:4222", "--cluster-credentials", try credentials("a", "user = u\n")], 1, "user and password go together"),
            (["--cluster", "nats://127.0.0.1:4222", "--cluster-credentials", try credentials("b", "user = u\npassword = p\ntoken = t\n")], 1, "not both"),
            (["--cluster", "nats://127.0.0.1:4222", "--cluster-credentials", try credentials("c", "pass = p\n")], 1, "line 1: unknown setting 'pass'"),
            (["--cluster", "nats://127.0.0.1:4222", "--cluster-credentials", try credentials("d", "# nothing\n")], 1, "no credentials"),
        ]
        for (arguments, status, says) in cases {
            let result = try BrokerEndToEndCLITests.run(["--no-curve", "--port", "0"] + arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.count == 1 && result.stderr[0].contains(says), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.joined().contains("secret"), "credentials must not be printed")
        }
    }
}
