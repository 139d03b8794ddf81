import Testing

/// Chapter 1's publish-subscribe (wuserver, wuclient) and chapter 2's bridge between networks
/// (wuproxy), with each other and with libzmq. The clients subscribe to "1", a tenth of the
/// zipcodes, rather than the guide's single "10001 ", to be done quickly.
@Suite struct WeatherTests {
    @Test func clientAndServer() throws {
        try withSandbox { sandbox in
            try sandbox.example("wuserver")
            let client = try sandbox.example("wuclient", "1")
            client.expectCleanExit()
            #expect(client.waitLine("Average temperature for zipcode '1' was ", timeout: 0) != nil, "\(client.output)")
        }
    }

    @Test func serverWithLibzmqClient() throws {
        try withSandbox { sandbox in
            try sandbox.example("wuserver")
            let client = try sandbox.peer("wuclient", "1")
            client.expectCleanExit()
            #expect(client.waitLine("Average temperature for zipcode '1' was ", timeout: 0) != nil, "\(client.output)")
        }
    }

    @Test func serverEndsAfterCount() throws {
        try withSandbox { sandbox in
            try sandbox.example("wuserver", "--count", "1000").expectCleanExit()
        }
    }

    /// Updates and subscriptions through the proxy: the client's subscription goes up to the
    /// server through it, the matching updates come down.
    @Test func throughProxy() throws {
        try withSandbox { sandbox in
            try sandbox.example("wuserver")
            let proxy = try sandbox.example("wuproxy")
            let client = try sandbox.example("wuclient", "1", "--connect", "tcp://localhost:8100")
            client.expectCleanExit()
            #expect(client.waitLine("Average temperature for zipcode '1' was ", timeout: 0) != nil, "\(client.output)")
            proxy.interrupt()
            proxy.expectCleanExit(timeout: 10)
        }
    }

    /// --count: the proxy exits once it has passed on the client's 100 updates.
    @Test func proxyWithCountExitsAfterTheUpdates() throws {
        try withSandbox { sandbox in
            try sandbox.example("wuserver")
            let proxy = try sandbox.example("wuproxy", "--count", "100")
            let client = try sandbox.example("wuclient", "1", "--connect", "tcp://localhost:8100")
            client.expectCleanExit()
            proxy.expectCleanExit()
        }
    }

    /// A libzmq subscriber's subscription travels through our XPUB and XSUB.
    @Test func libzmqClientThroughProxy() throws {
        try withSandbox { sandbox in
            try sandbox.example("wuserver")
            try sandbox.example("wuproxy")
            let client = try sandbox.peer("wuclient", "1", "tcp://localhost:8100")
            client.expectCleanExit()
            #expect(client.waitLine("Average temperature for zipcode '1' was ", timeout: 0) != nil, "\(client.output)")
        }
    }
}
