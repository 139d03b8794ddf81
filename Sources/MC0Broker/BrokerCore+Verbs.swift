import MC0

/// The verb handlers. Each validates fully before it changes anything, so a refused command
/// has no effect; an `ID` is acknowledged with OK only after the command took effect.
extension BrokerCore {
    func process(id: [UInt8], client: BrokerClient?, frames: [[UInt8]], now: UInt64,
                 into out: inout [Outgoing]) throws(BrokerRefusal) {
        guard frames.count <= config.maxFramesPerMessage else {
            throw .tooManyFrames(count: frames.count, limit: config.maxFramesPerMessage)
        }
        let bytes = frames.reduce(0) { $0 + $1.count }
        guard bytes <= config.maxMessageBytes else { throw .tooLarge(bytes: bytes, limit: config.maxMessageBytes) }

        let message: MC0Message
        do {
            message = try MC0Message.parse(frames)
        } catch {
            if case .unknownVerb(let verb) = error { throw .unknownVerb(verb) }
            throw .malformed(error)
        }

        switch message.verb {
        case .message, .error, .ok:
            throw .brokerOnlyVerb(message.verb)
        case .connect:
            guard client == nil else { throw .alreadyConnected }
            try connect(id: id, message: message, now: now)
        case .disconnect:
            // Idempotent: a client that is already gone has what it asked for.
            if let client {
                log(.info, "client \(hexID(id)): DISCONNECT")
                forget(client)
            }
        case .sub, .unsub, .put, .noop:
            guard let client else { throw .notConnected(message.verb) }
            switch message.verb {
            case .sub: try subscribe(client, message.positional)
            case .unsub: try unsubscribe(client, message.positional)
            case .put: try publish(from: client, message, now: now, into: &out)
            default: break // NOOP: hearing it was its whole effect.
            }
        }

        if let ack = message.header(MC0Header.id) {
            // Only CONNECT and DISCONNECT change which client record the id has.
            let acked = message.verb == .connect || message.verb == .disconnect ? clients[id] : client
            send(MC0Message.okFrames(id: ack), to: id, client: acked, now: now, into: &out)
        }
    }

    private func connect(id: [UInt8], message: MC0Message, now: UInt64) throws(BrokerRefusal) {
        guard let versionBytes = message.header(MC0Header.version) else {
            throw .missingHeader(.connect, MC0Header.version)
        }
        let version = printableText(versionBytes)
        guard config.acceptedVersions.contains(version) else {
            throw .unsupportedVersion(version, accepted: config.acceptedVersions.sorted())
        }
        guard let ttlBytes = message.header(MC0Header.ttl) else { throw .missingHeader(.connect, MC0Header.ttl) }
        guard let ttl = Self.decimal(ttlBytes) else { throw .badTTL(printableText(ttlBytes)) }
        guard config.ttlRange.contains(ttl) else { throw .ttlOutOfRange(ttl, config.ttlRange) }
        guard clients.count < config.maxClients else { throw .brokerFull(config.maxClients) }
        log(.info, "client \(hexID(id)): CONNECT VERSION \(version) TTL \(ttl) ms")
        connect(BrokerClient(id: id, ttlMilliseconds: ttl, now: now))
    }

    private func subscribe(_ client: BrokerClient, _ requested: [[UInt8]]) throws(BrokerRefusal) {
        try validateTopics(requested, verb: .sub)
        let added = Set(requested).subtracting(client.topics)
        guard client.topics.count + added.count <= config.maxTopicsPerClient else {
            throw .tooManyTopics(limit: config.maxTopicsPerClient)
        }
        let key = ObjectIdentifier(client)
        for topic in added {
            client.topics.insert(topic)
            topics[topic, default: [:]][key] = client
        }
    }

    private func unsubscribe(_ client: BrokerClient, _ requested: [[UInt8]]) throws(BrokerRefusal) {
        try validateTopics(requested, verb: .unsub)
        let key = ObjectIdentifier(client)
        for topic in requested where client.topics.remove(topic) != nil {
            topics[topic]?[key] = nil
            if topics[topic]?.isEmpty == true { topics[topic] = nil }
        }
    }

    /// Sends one MESSAGE to each subscriber of the topic: the set holds each client once, so
    /// a client that subscribed twice still gets one copy. The frames are built once and
    /// shared by every recipient.
    private func publish(from client: BrokerClient, _ message: MC0Message, now: UInt64,
                         into out: inout [Outgoing]) throws(BrokerRefusal) {
        guard let topic = message.header(MC0Header.topic) else { throw .missingHeader(.put, MC0Header.topic) }
        try validateTopic(topic, verb: .put)
        guard let subscribers = topics[topic] else { return }
        let forwarded = message.headers.filter { $0.key != MC0Header.id && $0.key != MC0Header.topic }
        let frames = MC0Message.message(topic: topic, headers: forwarded, body: message.positional).frames()
        out.reserveCapacity(out.count + subscribers.count + 1)
        for subscriber in subscribers.values {
            send(frames, to: subscriber.id, client: subscriber, now: now, into: &out)
        }
    }

    private func validateTopics(_ requested: [[UInt8]], verb: Verb) throws(BrokerRefusal) {
        guard !requested.isEmpty else { throw .noTopics(verb) }
        for topic in requested { try validateTopic(topic, verb: verb) }
    }

    private func validateTopic(_ topic: [UInt8], verb: Verb) throws(BrokerRefusal) {
        guard !topic.isEmpty else { throw .emptyTopic(verb) }
        guard topic.count <= config.maxTopicLength else {
            throw .topicTooLong(verb, length: topic.count, limit: config.maxTopicLength)
        }
    }

    /// Plain decimal digits only (no sign, space or exponent), at most 12 of them.
    static func decimal(_ bytes: [UInt8]) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 12 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
