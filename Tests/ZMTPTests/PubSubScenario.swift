import Foundation
import Testing

/// One side of a publish-subscribe scenario, ours or pyzmq's, so that one scenario runs in
/// both directions.
struct Publisher {
    let publish: (String) -> Void
}

struct Subscriber {
    let subscribe: (String) throws -> Void
    let unsubscribe: (String) throws -> Void
    /// The next message's first frame as text, or nil after a short bound.
    let receive: (_ timeoutMs: Int) -> String?
}

enum PubSubScenario {
    static let topics = (0..<100).map { String(format: "t%03d", $0) }

    /// Publishes `marker` until the subscriber receives it: every subscription sent before
    /// the marker's has then reached the publisher (one pipe, in order).
    static func sync(_ marker: String, _ publisher: Publisher, _ subscriber: Subscriber) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            publisher.publish(marker)
            if subscriber.receive(20) == marker { return true }
        }
        return false
    }

    /// Publishes `messages` then `end`, and returns what the subscriber got before `end`,
    /// leftover sync markers skipped.
    static func deliver(_ messages: [String], _ publisher: Publisher, _ subscriber: Subscriber, skipping markers: Set<String>) -> [String] {
        for m in messages { publisher.publish(m) }
        publisher.publish("sync-end")
        var got: [String] = []
        while let m = subscriber.receive(5000), m != "sync-end" {
            if !markers.contains(m) { got.append(m) }
        }
        return got
    }

    /// Prefix filtering over 100 subscriptions, an unsubscribe, then (after `restart` gives a
    /// new publisher) the same filtering again from the re-sent subscriptions.
    static func run(_ publisher: Publisher, _ subscriber: Subscriber, restart: () throws -> Publisher) throws {
        for t in topics + ["sync"] { try subscriber.subscribe(t) }
        #expect(sync("sync", publisher, subscriber))
        #expect(deliver(["t005 a", "u005 b", "t099 c", "t1 d", "t0", "t042"], publisher, subscriber, skipping: ["sync"])
                == ["t005 a", "t099 c", "t042"])

        try subscriber.unsubscribe("t005")
        try subscriber.subscribe("sync2")
        #expect(sync("sync2", publisher, subscriber))
        #expect(deliver(["t005 x", "t099 y"], publisher, subscriber, skipping: ["sync", "sync2"]) == ["t099 y"])

        let restarted = try restart()
        #expect(sync("sync2", restarted, subscriber))
        #expect(deliver(["t005 z", "t007 z", "v"], restarted, subscriber, skipping: ["sync", "sync2"]) == ["t007 z"])
    }
}
