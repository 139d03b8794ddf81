extension SocketAddress {
    /// The numeric IP address alone ("127.0.0.1", "::1"), as libzmq's "Peer-Address" property
    /// gives it; nil for a family without one.
    var host: String? {
        guard port != nil else { return nil }
        let text = self.text
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let host = text[..<colon]
        return host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : String(host)
    }
}
