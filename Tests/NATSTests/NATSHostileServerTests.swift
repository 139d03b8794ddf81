import Foundation
import NATSClient
import Testing
import TestSupport

/// A server that speaks garbage: the client closes the connection with a protocol error,
/// counts it, and tries again after its backoff, never holding more than its limits.
@Suite("NATS client against a hostile server")
struct NATSHostileServerTests {
    /// A Python TCP server on 127.0.0.1 that sends `reply` and `padding` bytes of "X" to every
    /// connection, then waits.
    private func hostileServer(_ reply: String, padding: Int) throws -> (ChildProcess, UInt16) {
        let script = """
            import socket, sys, threading
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
            print("PORT", s.getsockname()[1], flush=True)
            held = []
            while True:
                c, _ = s.accept(); held.append(c)
                try: c.sendall(bytes.fromhex(sys.argv[1]) + b"X" * int(sys.argv[2]))
                except OSError: pass
            """
        let hex = Array(reply.utf8).map { String(format: "%02x", $0) }.joined()
        let child = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-u", "-c", script, hex, String(padding)])
        guard let line = child.waitLine("PORT "), let port = UInt16(line.dropFirst(5)) else {
            throw ChildProcess.ChildProcessError.noEndpoint(child.allLines)
        }
        return (child, port)
    }

    @Test(arguments: [
        ("INFO {\"max_payload\":100}\r\nMSG a 1 1000\r\n", 0),            // payload over max_payload
        ("INFO {}\r\n", 70_000),                                           // no CRLF within the limit
        ("INFO {\"max_payload\": \r\n", 0),                                // INFO that does not parse
        ("HELLO\r\n", 0),                                                   // unknown operation
        ("INFO {}\r\nMSG a 1 2\r\nab", 2),                                 // payload not followed by CRLF
    ])
    func garbageClosesTheConnectionAndIsCounted(reply: String, padding: Int) throws {
        let (server, port) = try hostileServer(reply, padding: padding)
        defer { server.kill() }
        let client = try NATSTestClient("nats://127.0.0.1:\(port)")
        #expect(waitUntil(timeout: 10) { ((try? client.stats().serverErrors) ?? 0) >= 2 })
        #expect(client.connectedCount == 0)
        #expect(client.allEvents.contains { if case .connectFailed(_, let reason) = $0 { reason.hasPrefix("protocol error") } else { false } })
    }

    /// A server that accepts the connection and never reads: publishes queue up to the bound,
    /// then are dropped and counted; memory stays at the bound.
    @Test func aServerThatNeverReadsCostsNoMoreThanTheBound() throws {
        let (server, port) = try hostileServer("INFO {}\r\nPONG\r\n", padding: 0)
        defer { server.kill() }
        let bound = 1 << 20
        let client = try NATSTestClient("nats://127.0.0.1:\(port)") { $0.maxPendingBytes = bound }
        #expect(client.waitConnected())
        let payload = [UInt8](repeating: 0x61, count: 64 << 10)
        for _ in 0..<20 { try client.publish("mc0.slow", Array(repeating: payload, count: 20)) }
        let stats = try client.stats()
        #expect(stats.pendingBytes <= bound)
        #expect(stats.droppedBufferFull > 0)
        #expect(stats.published + stats.droppedBufferFull == 400)
    }
}
