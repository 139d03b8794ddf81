import Foundation
import TestSupport
import Testing
import ZMTP

/// How one of our sockets meets a pyzmq socket: the mechanism, and which side binds (the
/// binding side is the CURVE server).
struct PatternLink: CustomTestStringConvertible, Sendable {
    enum Mechanism: String, Sendable { case null = "NULL", curve = "CURVE" }
    let mechanism: Mechanism
    let weBind: Bool
    let serverKeys = CurveKeyPair.generate()

    var testDescription: String { "\(mechanism.rawValue), \(weBind ? "we bind" : "pyzmq binds")" }

    /// The four links every pair is tried over.
    static let all: [PatternLink] = [
        PatternLink(mechanism: .null, weBind: true), PatternLink(mechanism: .null, weBind: false),
        PatternLink(mechanism: .curve, weBind: true), PatternLink(mechanism: .curve, weBind: false),
    ]

    /// The pyzmq side's security argument for `PatternPeer.socket`.
    var theirSecurity: String {
        guard mechanism == .curve else { return "null" }
        return weBind ? "curve-client \(serverKeys.publicKey.z85)" : "curve-server \(serverKeys.secretKey.z85Secret)"
    }

    func ourOptions(_ base: SocketOptions = SocketOptions()) -> SocketOptions {
        var options = base
        if mechanism == .curve {
            options.security = weBind ? .curveServer(secretKey: serverKeys.secretKey)
                                      : .curveClient(serverKey: serverKeys.publicKey, keyPair: .generate())
        }
        return options
    }

    /// Our socket of `type` joined to the pyzmq socket `name` of `theirType`. With `endpoint`,
    /// the binding side binds there (a restart on the same port) instead of an ephemeral port.
    func join(_ type: SocketType, options: SocketOptions = SocketOptions(), _ peer: PatternPeer, _ name: String,
              _ theirType: String, existing: Bool = false, endpoint: String = "tcp://127.0.0.1:0") throws -> (ZMTPSocket, String) {
        if !existing { try peer.socket(name, theirType, theirSecurity) }
        let ours = try ZMTPSocket(type: type, options: ourOptions(options))
        if weBind {
            let bound = try ours.bind(endpoint).description
            if !existing { try peer.connect(name, bound) }
            return (ours, bound)
        }
        let bound = existing ? endpoint : try peer.ok("bind \(name) \(endpoint)")
        try ours.connect(bound)
        return (ours, bound)
    }
}

extension ZMTPSocket {
    /// The first frame of the next message as text, or nil after `timeoutMs`.
    func receiveText(_ timeoutMs: Int) -> String? {
        (try? receive(timeout: .milliseconds(timeoutMs)))?.first.map { String(decoding: $0, as: UTF8.self) }
    }

    func sendText(_ frames: String...) throws {
        try send(frames.map { Array($0.utf8) }, timeout: .seconds(5))
    }
}
