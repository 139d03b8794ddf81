import Foundation
import TestSupport
import Testing
import ZMTP

/// ZMTPProxy at the high-water marks, over inproc: a direction whose destination is full
/// leaves its source unread and drops nothing, and the other direction keeps moving.
@Suite struct ProxyFlowTests {
    @Test func aFullDirectionWaitsWithoutDroppingWhileTheOtherMoves() throws {
        var small = SocketOptions()
        small.sendHighWaterMark = 4
        small.receiveHighWaterMark = 4
        let frontend = try ZMTPSocket(type: .dealer, options: small)
        defer { frontend.close() }
        let backend = try ZMTPSocket(type: .dealer, options: small)
        defer { backend.close() }
        try frontend.bind("inproc://proxy-flow-frontend")
        try backend.bind("inproc://proxy-flow-backend")
        let client = try ZMTPSocket(type: .dealer)
        defer { client.close() }
        let worker = try ZMTPSocket(type: .dealer, options: small)
        defer { worker.close() }
        try client.connect("inproc://proxy-flow-frontend")
        try worker.connect("inproc://proxy-flow-backend")
        let proxy = ZMTPProxy(frontend: frontend, backend: backend)
        let finished = Thread.detachNewThreadResult { try proxy.run(); return "terminated" }

        // Far more requests than the marks between the proxy and the worker hold: the worker
        // reads none yet, so the proxy stops reading the frontend.
        let count = 100
        for n in 0..<count { try client.send([Array("request \(n)".utf8)], timeout: .seconds(10)) }
        try worker.send([Array("reply".utf8)], timeout: .seconds(10))
        #expect(try client.receive(timeout: .seconds(10)) == [Array("reply".utf8)])
        for n in 0..<count {
            #expect(try worker.receive(timeout: .seconds(10)) == [Array("request \(n)".utf8)])
        }
        frontend.close()
        #expect(finished.wait(timeout: 10) == "error: \(SocketError.closed)")
    }
}
