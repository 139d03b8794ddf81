/// This software's release, shown by `mc0 --version`, `mc0d --version` and mc0d's
/// `mc0d_build_info` metric. Not the protocol's version (`mc0ProtocolVersion`).
public enum MC0Release {
    public static let version = "0.1.0"
}
