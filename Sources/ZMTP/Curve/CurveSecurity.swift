import Logging
@_spi(Engine) import ZMTPCore

extension Security {
    /// CURVE client: knows the server's long-term public key in advance.
    public static func curveClient(serverKey: CurvePublicKey, keyPair: CurveKeyPair) -> Security {
        Security(mechanismName: "CURVE") { CurveClient(context: $0, serverKey: serverKey, keyPair: keyPair) }
    }

    /// CURVE server: with an authorizer, clients whose long-term key it refuses get ERROR "400"
    /// during the handshake (libzmq without a ZAP handler accepts every key).
    public static func curveServer(secretKey: CurveSecretKey, authorizer: CurveAuthorizer? = nil,
                                   logger: Logger = Logger(label: "zmtp.curve")) -> Security {
        let publicKey = secretKey.publicKey  // once here, not once per connection
        return Security(mechanismName: "CURVE") {
            CurveServer(context: $0, secretKey: secretKey, publicKey: publicKey, authorizer: authorizer, logger: logger)
        }
    }
}
