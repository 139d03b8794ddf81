/// The fields of a server's INFO that a client acts on; the rest is ignored.
public struct NATSInfo: Equatable, Sendable {
    /// The server's unique id.
    public var serverID: String = ""
    /// The largest payload the server accepts in PUB (its `max_payload`).
    public var maxPayload: Int = 1 << 20
    /// The server requires credentials in CONNECT.
    public var authRequired = false
    /// The server requires TLS (which NATSClient does not speak).
    public var tlsRequired = false
    /// The server accepts HPUB (headers).
    public var headers = false
    /// Other servers of the cluster that clients may use ("host:port"), as gossiped by the server.
    public var connectURLs: [String] = []

    /// The defaults a server that sent no such field implies.
    public init() {}

    /// Reads the JSON object of an INFO line.
    public init(json: ArraySlice<UInt8>) throws(NATSWireError) {
        var parser = JSONReader(json)
        let object: [String: JSONValue]
        do {
            guard case .object(let fields) = try parser.readDocument() else { throw NATSWireError.badInfo("not a JSON object") }
            object = fields
        } catch let error as NATSWireError { throw error } catch { throw .badInfo("\(error)") }
        if case .string(let id)? = object["server_id"] { serverID = id }
        if case .number(let payload)? = object["max_payload"] {
            guard payload >= 1, payload <= Double(Int32.max) else { throw .badInfo("max_payload \(payload) out of range") }
            maxPayload = Int(payload)
        }
        if case .bool(let flag)? = object["auth_required"] { authRequired = flag }
        if case .bool(let flag)? = object["tls_required"] { tlsRequired = flag }
        if case .bool(let flag)? = object["headers"] { headers = flag }
        if case .array(let urls)? = object["connect_urls"] {
            connectURLs = urls.compactMap { if case .string(let url) = $0 { url } else { nil } }
        }
    }
}
