import Glibc
import ZMTP

/// The broker's CURVE secret key, from --curve-private-key or from --data-dir (created there
/// with --generate-keys when missing).
struct BrokerKeys {
    var secretKey: CurveSecretKey?
    /// The public key file clients are given, when mc0d knows where it is.
    var publicKeyPath: String?
    var generated = false
    /// Print the client settings at start (keys from a data directory: the first-run path).
    var announceSettings = false

    static let baseName = "broker"

    static func load(curvePrivateKey: String?, dataDir: String?, generate: Bool, noCurve: Bool) throws(MC0DError) -> BrokerKeys {
        if noCurve { return BrokerKeys() }
        if let curvePrivateKey {
            do {
                return BrokerKeys(secretKey: try CurveKeyFile.readSecret(path: curvePrivateKey, label: "broker secret key"))
            } catch {
                throw .keyFile(error)
            }
        }
        guard let dataDir else { return BrokerKeys() }
        let dir = absolute(dataDir)
        let base = dir + "/" + baseName
        var keys = BrokerKeys(publicKeyPath: base + ".public", announceSettings: true)
        if generate {
            try makeDirectory(dir)
            if !exists(base + ".private") {
                do { try CurveKeyFile.write(CurveKeyPair.generate(), basePath: base) } catch { throw .keyFile(error) }
                keys.generated = true
            }
        } else if !exists(base + ".private") {
            throw .dataDir(path: dir, problem: "holds no \(baseName).private; add --generate-keys to create a key pair there")
        }
        do {
            keys.secretKey = try CurveKeyFile.readSecret(path: base + ".private", label: "broker secret key")
        } catch {
            throw .keyFile(error)
        }
        return keys
    }

    /// Creates `path` (mode 0700: it holds the secret key) unless it is already a directory.
    private static func makeDirectory(_ path: String) throws(MC0DError) {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw .dataDir(path: path, problem: "exists and is not a directory") }
            return
        }
        if mkdir(path, 0o700) != 0 {
            throw .dataDir(path: path, problem: "cannot be created: \(String(cString: strerror(errno))) (does its parent directory exist?)")
        }
    }

    private static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return String(cString: cwd) + "/" + trimmed
    }
}
