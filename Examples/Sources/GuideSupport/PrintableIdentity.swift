/// A random printable identity, "%04X-%04X" (the guide's `s_set_id`), so that printed
/// routing ids are readable.
public func printableIdentity() -> [UInt8] {
    func half() -> String { [UInt8.random(in: .min ... .max), UInt8.random(in: .min ... .max)].hex }
    return Array("\(half())-\(half())".utf8)
}
