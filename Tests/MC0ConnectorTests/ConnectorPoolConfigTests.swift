import MC0Connector
import Testing

/// MCollective's pool convention: plugin.zeromq.pool.size, then pool.N.host and pool.N.port.
@Suite struct ConnectorPoolConfigTests {
    @Test func readsThePoolInOrder() throws {
        let config = try ConnectorConfig.parse("""
            plugin.zeromq.curve = false
            plugin.zeromq.pool.2.port = 61617
            plugin.zeromq.pool.size = 3
            plugin.zeromq.pool.1.host = broker1.example.com
            plugin.zeromq.pool.2.host = 10.0.0.2
            plugin.zeromq.pool.3.host = ::1
            plugin.zeromq.pool.3.port = 61618
            plugin.zeromq.broker.host = ignored.example.com
            """, path: "client.cfg")
        #expect(try config.brokerEndpoints() == ["tcp://broker1.example.com:61616", "tcp://10.0.0.2:61617", "tcp://[::1]:61618"])
        #expect(try config.brokerEndpoint() == "tcp://broker1.example.com:61616")
    }

    @Test func withoutAPoolTheOneBrokerIsUsed() throws {
        let config = try ConnectorConfig.parse("plugin.zeromq.broker.host = b\nplugin.zeromq.pool.1.host = x\n", path: "c")
        #expect(try config.brokerEndpoints() == ["tcp://b:61616"])
    }

    @Test func namesTheMissingOrWrongPoolSetting() {
        #expect(throws: ConnectorConfigError.missingSetting("plugin.zeromq.pool.2.host", why: "plugin.zeromq.pool.size is 2: give every member's host")) {
            try ConnectorConfig.parse("plugin.zeromq.curve = false\nplugin.zeromq.pool.size = 2\nplugin.zeromq.pool.1.host = a\n", path: "c").validated()
        }
        #expect(throws: ConnectorConfigError.invalidValue(setting: "plugin.zeromq.pool.size", value: "0", expected: "a number of brokers from 1 to 100")) {
            try ConnectorConfig.parse("plugin.zeromq.pool.size = 0\n", path: "c")
        }
        #expect(throws: ConnectorConfigError.invalidValue(setting: "plugin.zeromq.pool.1.port", value: "http", expected: "a TCP port from 1 to 65535")) {
            try ConnectorConfig.parse("plugin.zeromq.pool.1.port = http\n", path: "c")
        }
        #expect(throws: ConnectorConfigError.invalidValue(setting: "plugin.zeromq.pool.0.host", value: "a", expected: "a pool member numbered from 1 to 100")) {
            try ConnectorConfig.parse("plugin.zeromq.pool.0.host = a\n", path: "c")
        }
    }
}
