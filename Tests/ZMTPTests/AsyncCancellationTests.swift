import Foundation
import Testing
import TestSupport
@testable import ZMTP

/// A cancelled async receive gives up its place (AsyncAPITests covers latency and races), and a
/// socket closed after its loop shut down still wakes whoever waits on it. (The bounds are
/// generous because blocking tests running alongside may hold the few cooperative threads a
/// resumed Task needs.)
@Suite struct AsyncCancellationTests {
    /// A cancelled receiver is skipped: the next message goes to the one still waiting.
    @Test func messageSkipsACancelledReceiver() async throws {
        let router = try ZMTPSocket(type: .router)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        var options = SocketOptions()
        options.identity = Array("d".utf8)
        let dealer = try ZMTPSocket(type: .dealer, options: options)
        defer { dealer.close(); router.close() }
        try dealer.connect(endpoint.description)

        let cancelled = Task { try await dealer.receive() }
        #expect(await waitUntil(timeout: 120) { dealer.lock.withLock { dealer.asyncReceivers.count == 1 } })
        let waiting = Task { try await dealer.receive() }
        #expect(await waitUntil(timeout: 120) { dealer.lock.withLock { dealer.asyncReceivers.count == 2 } })
        cancelled.cancel()
        _ = await outcome(of: cancelled, within: .seconds(120))

        try await dealer.send([[0]], timeout: .seconds(5))  // the router learns the dealer's id
        #expect(try await router.receive() == [Array("d".utf8), [0]])
        try await router.send([Array("d".utf8), Array("hello".utf8)], timeout: .zero)
        let result = await outcome(of: waiting, within: .seconds(120))
        #expect((try? result?.get()) == [Array("hello".utf8)])
    }

    /// Receives cancelled on a quiet socket leave nothing queued behind a live one.
    @Test func cancelledReceiversDoNotPileUp() async throws {
        let dealer = try ZMTPSocket(type: .dealer)
        defer { dealer.close() }
        let live = Task { try await dealer.receive() }
        #expect(await waitUntil(timeout: 120) { dealer.lock.withLock { dealer.asyncReceivers.count == 1 } })
        for _ in 0..<20 {
            let task = Task { try await dealer.receive() }
            #expect(await waitUntil(timeout: 120) { dealer.lock.withLock { dealer.asyncReceivers.count == 2 } })
            task.cancel()
            _ = await outcome(of: task, within: .seconds(120))
        }
        #expect(dealer.lock.withLock { dealer.asyncReceivers.count } == 1)
        live.cancel()
        _ = await outcome(of: live, within: .seconds(120))
    }

    @Test func closeAfterTheLoopShutDownWakesReceivers() async throws {
        let loop = try EventLoop(name: "shut-down")
        let dealer = try ZMTPSocket(type: .dealer, loop: loop)
        let task = Task { try await dealer.receive() }
        #expect(await waitUntil(timeout: 120) { dealer.lock.withLock { !dealer.asyncReceivers.isEmpty } })
        loop.shutdown()
        dealer.close()
        let result = await outcome(of: task, within: .seconds(120))
        #expect(result.map { if case .failure(let e) = $0 { e as? SocketError == .closed } else { false } } == true,
                "got \(String(describing: result))")
    }
}
