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
        traffic.count(message.verb)

        switch message.verb {
        case .message, .error, .ok:
            throw .brokerOnlyVerb(message.verb)
        case .connect:
            try connect(id: id, client: client, message: message, now: now)
        case .disconnect:
            // Idempotent: a client that is already gone has what it asked for.
            if let client {
                log(.info, "client \(clientID(id)): DISCONNECT")
                forget(client)
            }
        case .put:
            // Without a session too, as both originals: the message reaches its subscribers.
            try publish(from: id, message, now: now, into: &out)
        case .sub, .unsub, .noop:
            guard let client else {
                // A NOOP without ID goes unanswered: a client that watches for the broker's
                // silence (MCollective's Ruby connector) then reconnects, where an ERROR would
                // count as the broker's voice and keep it waiting without a session forever.
                if message.verb == .noop && message.header(MC0Header.id) == nil { return }
                throw .notConnected(message.verb)
            }
            switch message.verb {
            case .sub: try subscribe(client, message.positional)
            case .unsub: try unsubscribe(client, message.positional)
            default: break // NOOP: hearing it was its whole effect.
            }
        }

        if let ack = message.header(MC0Header.id) {
            // Only CONNECT and DISCONNECT change which client record the id has.
            let acked = message.verb == .connect || message.verb == .disconnect ? clients[id] : client
            send(MC0Message.okFrames(id: ack), to: id, client: acked, from: id, now: now, into: &out)
        }
    }

    /// CONNECT as the original brokers took it: no VERSION means 0.3; no TTL (or 0) means
    /// no heartbeats and no eviction for silence; a second CONNECT only changes the TTL.
    private func connect(id: [UInt8], client: BrokerClient?, message: MC0Message, now: UInt64) throws(BrokerRefusal) {
        let version = message.header(MC0Header.version).map { printableText($0) } ?? "0.3"
        guard config.acceptedVersions.contains(version) else {
            throw .unsupportedVersion(version, accepted: config.acceptedVersions.sorted())
        }
        var ttl: UInt64 = 0
        if let ttlBytes = message.header(MC0Header.ttl) {
            guard let value = Self.decimal(ttlBytes) else { throw .badTTL(printableText(ttlBytes)) }
            guard value == 0 || config.ttlRange.contains(value) else { throw .ttlOutOfRange(value, config.ttlRange) }
            ttl = value
        }
        let ttlText = ttl == 0 ? "none (no heartbeats, no eviction for silence)" : "\(ttl) ms"
        if let client {
            log(.info, "client \(clientID(id)): CONNECT again, VERSION \(version) TTL \(ttlText)")
            client.setTTL(milliseconds: ttl)
            client.drawHeartbeatDelay(jitter: jitter())
            schedule(client)
            return
        }
        guard clients.count < config.maxClients else { throw .brokerFull(config.maxClients) }
        log(.info, "client \(clientID(id)): CONNECT VERSION \(version) TTL \(ttlText)")
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
            if topics[topic] == nil { clusterTopicAdded(topic) }
            topics[topic, default: [:]][key] = client
        }
    }

    private func unsubscribe(_ client: BrokerClient, _ requested: [[UInt8]]) throws(BrokerRefusal) {
        try validateTopics(requested, verb: .unsub)
        let key = ObjectIdentifier(client)
        for topic in requested where client.topics.remove(topic) != nil {
            topics[topic]?[key] = nil
            if topics[topic]?.isEmpty == true {
                topics[topic] = nil
                clusterTopicRemoved(topic)
            }
        }
    }

    /// Sends one MESSAGE to each subscriber of the topic: the set holds each client once, so
    /// a client that subscribed twice still gets one copy. The frames are built once and
    /// shared by every recipient.
    private func publish(from sender: [UInt8], _ message: MC0Message, now: UInt64,
                         into out: inout [Outgoing]) throws(BrokerRefusal) {
        guard let topic = message.header(MC0Header.topic) else { throw .missingHeader(.put, MC0Header.topic) }
        try validateTopic(topic, verb: .put)
        let forwarded = message.headers.filter { $0.key != MC0Header.id && $0.key != MC0Header.topic }
        // Once to the cluster, whoever subscribes here: other brokers' subscribers may want it.
        if clusterEnabled { clusterWork.append(.publish(topic: topic, headers: forwarded, body: message.positional)) }
        guard let subscribers = topics[topic] else {
            if !clusterEnabled { traffic.unsubscribedPuts += 1 }
            return
        }
        traffic.deliveries += UInt64(subscribers.count)
        let frames = MC0Message.message(topic: topic, headers: forwarded, body: message.positional).frames()
        out.reserveCapacity(out.count + subscribers.count + 1)
        for subscriber in subscribers.values {
            send(frames, to: subscriber.id, client: subscriber, from: sender, now: now, into: &out)
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

    /// Decimal digits, at most 12 of them, with the leading `+` and the surrounding blanks
    /// both originals read; no minus sign, exponent, hex or trailing text (on those the
    /// originals disagree: C++ reads "30s" as 30).
    static func decimal(_ bytes: [UInt8]) -> UInt64? {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var digits = bytes.drop(while: blank)
        while let last = digits.last, blank(last) { digits.removeLast() }
        if digits.first == UInt8(ascii: "+") { digits.removeFirst() }
        guard !digits.isEmpty, digits.count <= 12 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
