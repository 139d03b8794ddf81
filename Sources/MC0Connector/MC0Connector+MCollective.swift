/// Requests and replies with MCollective's topic conventions.
extension MC0Connector {
    /// A broadcast request to every node running `agent`: a PUT to `"<collective> <agent>"`
    /// whose `X-REPLY-TO` is this process's reply topic (subscribe to `replyTopic` first).
    public func request(collective: String, agent: String, headers: [(String, String)] = [], body: [[UInt8]]) async throws {
        try await publish(topic: MCollectiveTopic.agent(collective: collective, agent: agent),
                          headers: [(MCollectiveTopic.replyToHeader, replyTopic(collective: collective))] + headers, body: body)
    }

    /// A directed request: one PUT per node to `"<collective> nodes <node>"`, each waiting for
    /// its OK, with `X-REPLY-TO` set to this process's reply topic.
    public func directedRequest(collective: String, nodes: [String], headers: [(String, String)] = [], body: [[UInt8]]) async throws {
        let replyTo = (MCollectiveTopic.replyToHeader, replyTopic(collective: collective))
        for node in nodes {
            try await publish(topic: MCollectiveTopic.node(collective: collective, identity: node),
                              headers: [replyTo] + headers, body: body)
        }
    }

    /// Answers a request: a PUT to the topic its `X-REPLY-TO` header names.
    public func reply(to request: MC0Delivery, headers: [(String, String)] = [], body: [[UInt8]]) async throws {
        guard let topic = request.replyTo, !topic.isEmpty else {
            throw MC0ConnectorError.invalidArgument(
                "the request on '\(request.topic)' has no \(MCollectiveTopic.replyToHeader) header: there is nowhere to reply")
        }
        try await publish(topic: topic, headers: headers, body: body)
    }
}
