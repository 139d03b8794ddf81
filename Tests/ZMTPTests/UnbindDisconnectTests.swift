import Foundation
import TestSupport
import Testing
@testable import ZMTP

/// unbind and disconnect (zmq_unbind, zmq_disconnect) over every transport.
@Suite struct UnbindDisconnectTests {
    enum Transport: String, CaseIterable, Sendable { case tcp, ipc, inproc }

    static func bindable(_ transport: Transport, in directory: TemporaryDirectory) -> String {
        switch transport {
        case .tcp: return "tcp://127.0.0.1:0"
        case .ipc: return "ipc://\(directory.path)/unbind.sock"
        case .inproc: return "inproc://unbind-\(UUID().uuidString)"
        }
    }

    static func echoRouter(_ events: EventLog) throws -> ZMTPSocket {
        var options = SocketOptions()
        options.onEvent = { events.append($0) }
        let router = try ZMTPSocket(type: .router, options: options)
        router.serve { peer, message in try? router.send([peer] + message, timeout: .zero) }
        return router
    }

    static func dealer(_ events: EventLog) throws -> ZMTPSocket {
        var options = SocketOptions()
        options.onEvent = { events.append($0) }
        return try ZMTPSocket(type: .dealer, options: options)
    }

    static func isDisconnect(_ event: SocketEvent) -> Bool {
        if case .disconnected = event { return true }
        return false
    }

    /// unbind closes the listener and the connections accepted through it; the endpoint can
    /// be bound again.
    @Test(arguments: Transport.allCases) func unbindClosesTheListenerAndItsConnections(transport: Transport) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let routerEvents = EventLog(), dealerEvents = EventLog()
        let router = try Self.echoRouter(routerEvents)
        defer { router.close() }
        let endpoint = try router.bind(Self.bindable(transport, in: directory)).description
        let dealer = try Self.dealer(dealerEvents)
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try dealer.send([[1]], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(5)) == [[1]])

        try router.unbind(endpoint)
        #expect(dealerEvents.wait(Self.isDisconnect))
        #expect(routerEvents.wait(Self.isDisconnect))
        #expect(throws: SocketError.endpointNotFound(endpoint)) { try router.unbind(endpoint) }

        try router.bind(endpoint)
        let late = try Self.dealer(EventLog())
        defer { late.close() }
        try late.connect(endpoint)
        try late.send([[2]], timeout: .seconds(5))
        #expect(try late.receive(timeout: .seconds(5)) == [[2]])
        if transport != .inproc {  // stream transports redial; an inproc link is not made again (libzmq)
            try dealer.send([[3]], timeout: .seconds(5))
            #expect(try dealer.receive(timeout: .seconds(5)) == [[3]])
        }
    }

    /// disconnect closes the connection, stops redialing and drops the queue for it.
    @Test(arguments: Transport.allCases) func disconnectClosesTheConnectionForGood(transport: Transport) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let routerEvents = EventLog()
        let router = try Self.echoRouter(routerEvents)
        defer { router.close() }
        let endpoint = try router.bind(Self.bindable(transport, in: directory)).description
        let dealer = try Self.dealer(EventLog())
        defer { dealer.close() }
        try dealer.connect(endpoint)
        try dealer.send([[1]], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(5)) == [[1]])

        try dealer.disconnect(endpoint)
        #expect(routerEvents.wait(Self.isDisconnect))
        #expect(throws: SocketError.wouldBlock) { try dealer.send([[2]], timeout: .zero) }
        #expect(throws: SocketError.endpointNotFound(endpoint)) { try dealer.disconnect(endpoint) }
        #expect(try dealer.loop.submit { dealer.dialers.count + dealer.inprocConnectors.count } == 0)

        try dealer.connect(endpoint)
        try dealer.send([[4]], timeout: .seconds(5))
        #expect(try dealer.receive(timeout: .seconds(5)) == [[4]])
    }

    @Test func unknownOrMalformedEndpointsAreTypedErrors() throws {
        let socket = try ZMTPSocket(type: .dealer)
        defer { socket.close() }
        let bound = try socket.bind("tcp://127.0.0.1:0")
        #expect(throws: SocketError.endpointNotFound("tcp://127.0.0.1:0")) { try socket.unbind("tcp://127.0.0.1:0") }
        #expect(throws: SocketError.endpointNotFound(bound.description)) { try socket.disconnect(bound.description) }
        #expect(throws: SocketError.endpointNotFound("inproc://never-bound")) { try socket.unbind("inproc://never-bound") }
        #expect(throws: SocketError.endpointNotFound("ipc://@never")) { try socket.disconnect("ipc://@never") }
        #expect(throws: EndpointError.emptyName("inproc://")) { try socket.unbind("inproc://") }
        try socket.unbind(bound.description)
    }
}
