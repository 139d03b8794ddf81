/// What a socket tells a ZMTP 2.0 peer (libzmq 3.x, JeroMQ 0.3) after its signature and
/// revision byte, as libzmq 4.3 serves them on NULL sockets without authentication: its
/// socket type as libzmq's number, then its identity as a short final frame. There is no
/// mechanism and no command: the peer's identity frame completes the handshake.
@_spi(Engine) public struct ZMTP2Greeting: Equatable, Sendable {
    /// The revision byte of a ZMTP 2.0 greeting.
    public static let revision: UInt8 = 1
    /// Signature (10 bytes), revision, socket type.
    public static let size = 12

    public var socketType: SocketType
    public var identity: [UInt8]

    public init(socketType: SocketType, identity: [UInt8]) {
        self.socketType = socketType
        self.identity = Array(identity.prefix(255))
    }

    /// The bytes after our revision byte.
    public var tail: [UInt8] { [socketType.zmqNumber, 0, UInt8(identity.count)] + identity }

    /// The metadata a 2.0 peer's greeting and identity frame amount to (an unknown type number
    /// gives no Socket-Type: libzmq never checks a 2.0 peer's type).
    public static func peerMetadata(socketTypeNumber: UInt8, identity: [UInt8]) -> Metadata {
        var metadata = Metadata()
        if let type = SocketType.allCases.first(where: { $0.zmqNumber == socketTypeNumber }) {
            metadata.properties.append(("Socket-Type", Array(type.rawValue.utf8)))
        }
        if !identity.isEmpty { metadata.properties.append(("Identity", identity)) }
        return metadata
    }
}

extension SocketType {
    /// libzmq's ZMQ_* number for the type, which the ZMTP 2.0 greeting carries.
    public var zmqNumber: UInt8 {
        switch self {
        case .pair: return 0
        case .pub: return 1
        case .sub: return 2
        case .req: return 3
        case .rep: return 4
        case .dealer: return 5
        case .router: return 6
        case .pull: return 7
        case .push: return 8
        case .xpub: return 9
        case .xsub: return 10
        }
    }
}
