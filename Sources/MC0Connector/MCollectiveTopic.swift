/// Topic names as MCollective's zeromq connector builds them. Names are joined with single
/// spaces, so collectives, agents and identities never contain spaces.
public enum MCollectiveTopic {
    /// The header carrying the topic a request's replies go to.
    public static let replyToHeader = "X-REPLY-TO"

    /// Broadcast requests for an agent, and the topic nodes running it subscribe to:
    /// `"<collective> <agent>"`.
    public static func agent(collective: String, agent: String) -> String {
        "\(collective) \(agent)"
    }

    /// A node's own topic, for directed requests: `"<collective> nodes <identity>"`.
    public static func node(collective: String, identity: String) -> String {
        "\(collective) nodes \(identity)"
    }

    /// Where a requester receives replies: `"<collective> reply <identity> <pid>"`.
    public static func reply(collective: String, identity: String, pid: Int32) -> String {
        "\(collective) reply \(identity) \(pid)"
    }
}
