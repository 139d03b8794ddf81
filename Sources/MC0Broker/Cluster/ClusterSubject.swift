/// The NATS subject of an mc0 topic: `mc0.` then the topic with every byte other than an ASCII
/// letter, digit or `-` written as `_` and two upper-case hex digits (`mcollective rpcutil` ->
/// `mc0.mcollective_20rpcutil`). One token after the prefix, never a wildcard, blank or dot:
/// any topic bytes give a valid subject, and two topics never share one (the escaping is
/// reversible). See PROTOCOL.md, "Clustering".
package enum ClusterSubject {
    package static let prefix = "mc0."

    package static func subject(for topic: [UInt8]) -> String {
        var out: [UInt8] = Array(prefix.utf8)
        out.reserveCapacity(prefix.utf8.count + topic.count * 3)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in topic {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "_"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
