import Testing
import TestSupport
@testable import ZMTP

/// Only a round trip (a send after a receive, a receive after a send) does its I/O on the
/// caller's thread: a stream of sends or of receives is left to the loop, which writes many
/// messages at once and reads beside the application.
@Suite struct ConnectionLoanStreamTests {
    @Test(arguments: ConnectionLoanTests.Mechanism.allCases)
    func streamsAreLeftToTheLoop(mechanism: ConnectionLoanTests.Mechanism) throws {
        let (router, dealer) = try ConnectionLoanTests.echoPair(mechanism)
        defer { dealer.close(); router.close() }
        let loan = try #require(try ConnectionLoanTests.connection(of: dealer).loan)
        let count = 200

        // The first send answers the pair's last receive and may write on this thread; the
        // rest follow a send.
        let beforeSends = loan.loans
        for n in 0..<count { try dealer.send([[UInt8(n % 256)]], timeout: .seconds(10)) }
        #expect(loan.loans - beforeSends <= 1)

        // Likewise the first receive, after the sends, may read on this thread; the rest
        // follow a receive.
        let beforeReceives = loan.loans
        for n in 0..<count { #expect(try dealer.receive(timeout: .seconds(10)) == [[UInt8(n % 256)]]) }
        #expect(loan.loans - beforeReceives <= 1)
    }
}
