import Testing
@testable import ZMTP

/// The stall limit follows how slow completed handshakes are, within its bounds.
@Suite struct StallLimitTests {
    static let second: UInt64 = 1_000_000_000

    @Test func startsAtTheMinimumAndStaysThereWhileHandshakesAreFast() {
        var limit = StallLimit(minimum: 2 * Self.second)
        #expect(limit.current == 2 * Self.second)
        for _ in 0..<100 { limit.completed(slowestStep: 5_000_000) }
        #expect(limit.current == 2 * Self.second)
    }

    @Test func slowHandshakesLengthenItUpToEightTimesTheMinimum() {
        var limit = StallLimit(minimum: 2 * Self.second)
        // Clients on saturated hosts: 1.5 s between steps.
        for _ in 0..<200 { limit.completed(slowestStep: 3 * Self.second / 2) }
        #expect(limit.current > 5 * Self.second && limit.current <= 6 * Self.second)
        // Slower still: capped.
        for _ in 0..<200 { limit.completed(slowestStep: 30 * Self.second) }
        #expect(limit.current == 16 * Self.second)
        // Fast again: back to the minimum.
        for _ in 0..<200 { limit.completed(slowestStep: 1_000_000) }
        #expect(limit.current == 2 * Self.second)
    }
}
