import ZMTP

extension BrokerDriver {
    /// How long one scrape may take, request and response, before its connection is closed.
    public static let metricsExchangeTimeout: Duration = .seconds(5)

    /// Serves `GET /metrics` (Prometheus text format 0.0.4) on `endpoint` ("tcp://HOST:PORT")
    /// from the broker's own loop; returns the bound endpoint (the real port when 0 was asked).
    /// `backend`: the swift-metrics backend the process bootstrapped, if any, whose metrics
    /// (the ZMTP library's) are written after the broker's. Any thread.
    public func serveMetrics(on endpoint: String, backend: PrometheusBackend? = nil) throws(BrokerDriverError) -> Endpoint {
        let parsed: Endpoint
        do { parsed = try Endpoint.parse(endpoint) } catch {
            throw .badEndpoint(endpoint: endpoint, reason: error.description)
        }
        let box = MetricsRunnerBox(runner: runner, authorizer: security.authorizer, backend: backend)
        let timeout = Self.metricsExchangeTimeout
        do {
            return try loop.submit {
                let runner = box.runner
                let server = try MetricsServer(endpoint: parsed, loop: runner.socket.loop, timeout: timeout) { box.render() }
                runner.metricsServer?.close()
                runner.metricsServer = server
                return server.endpoint
            }
        } catch {
            throw .cannotListen(endpoint: parsed.description, reason: "\(error)")
        }
    }

    /// Counts a SIGHUP reload of the authorized keys that failed (the old list stays). Any thread.
    public func authorizedKeysReloadFailed() {
        runner.metrics.keyReloadFailures.add(1, ordering: .relaxed)
    }
}

/// Carries the loop-confined runner into tasks on its loop.
private struct MetricsRunnerBox: @unchecked Sendable {
    let runner: BrokerDriverRunner
    let authorizer: CurveAuthorizer?
    let backend: PrometheusBackend?

    /// Loop thread.
    func render() -> String {
        runner.metrics.render(core: runner.core, socket: runner.socket,
                              sendFailures: runner.failedSends.load(ordering: .relaxed),
                              authorizer: authorizer, backend: backend, cluster: runner.cluster?.stats)
    }
}
