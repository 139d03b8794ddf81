import Testing

/// Starts `example`, a REP-style server at tcp://*:5555 (hwserver, mtserver), and
/// expects it to answer each of the pyzmq hwclient's requests, then to end cleanly on Ctrl-C.
func expectServerAnswersLibzmqClient(_ example: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    try withSandbox { sandbox in
        let server = try sandbox.example(example, "--work-ms", "0")
        let client = try sandbox.peer("hwclient")
        client.expectCleanExit(sourceLocation: sourceLocation)
        #expect(client.lines("Received reply ").count == 10, sourceLocation: sourceLocation)
        #expect(client.lines("Received reply 9 [ World ]").count == 1, sourceLocation: sourceLocation)
        server.interrupt()
        server.expectCleanExit(timeout: 5, sourceLocation: sourceLocation)
    }
}
