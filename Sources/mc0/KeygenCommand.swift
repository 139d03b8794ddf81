import ArgumentParser
import ZMTP

/// `mc0 keygen NAME`: a CURVE key pair in curve_keygen's file format.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a CURVE key pair: NAME.public and NAME.private (mode 0600), 40 Z85 characters each.")

    @Argument(help: "Path and base name of the key files (e.g. /etc/mcollective/server).")
    var name: String

    func run() throws {
        let pair = CurveKeyPair.generate()
        try CurveKeyFile.write(pair, basePath: name)
        printLine("wrote \(name).public and \(name).private (public key \(pair.publicKey.z85))")
    }
}
