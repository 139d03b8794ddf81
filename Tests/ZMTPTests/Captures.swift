import Foundation
import TestSupport

/// Bytes captured from a real libzmq peer by Fixtures/capture.py.
enum Captures {
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = Repository.fixtures.appendingPathComponent("captures/\(name).hex")
        let text = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            out.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    /// "name value" lines of a .keys file.
    static func keys(_ name: String) throws -> [String: String] {
        let url = Repository.fixtures.appendingPathComponent("captures/\(name).keys")
        var out: [String: String] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }
}
