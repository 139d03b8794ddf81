import Glibc
import ZMTP

/// What a newcomer needs to point MCollective's zeromq connector at this broker.
enum ClientSettings {
    static func text(endpoint: Endpoint, publicKey: CurvePublicKey, publicKeyPath: String?, generated: Bool) -> String {
        let keyPath = publicKeyPath ?? "/etc/mcollective/broker.public"
        var lines: [String] = []
        if generated, let publicKeyPath {
            lines.append("mc0d: generated a new broker key pair: \(publicKeyPath) and its .private next to it")
        }
        lines += [
            "mc0d: broker public key \(publicKey.z85)",
            "mc0d: MCollective settings for every node and client using this broker (server.cfg, client.cfg):",
            "    connector = zeromq",
            "    plugin.zeromq.broker.host = \(clientHost(endpoint.host))",
            "    plugin.zeromq.broker.port = \(endpoint.port)",
            "    plugin.zeromq.curve = true",
            "    plugin.zeromq.broker.public_key = \(keyPath)",
            "    plugin.zeromq.public_key = /path/to/this-node.public    # the node's own CURVE key pair",
            "    plugin.zeromq.private_key = /path/to/this-node.private",
        ]
        return lines.joined(separator: "\n")
    }

    /// The address clients dial: the bound one, or this machine's name for a wildcard bind.
    static func clientHost(_ bound: String) -> String {
        guard ["0.0.0.0", "::", "*"].contains(bound) else { return bound }
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "<this machine's address>" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
