import MC0Broker
import ZMTP

/// Why mc0d could not start; each prints as one line on stderr.
enum MC0DError: Error, CustomStringConvertible {
    case keyFile(CurveKeyFileError)
    case dataDir(path: String, problem: String)
    case broker(BrokerDriverError)
    case clusterCredentials(path: String, line: Int?, problem: String)

    var description: String {
        switch self {
        case .keyFile(let error): return "\(error)"
        case .dataDir(let path, let problem): return "data directory \(path): \(problem)"
        case .broker(let error): return "\(error)"
        case .clusterCredentials(let path, let line, let problem):
            return "\(ClusterCredentials.label) file \(path)\(line.map { " line \($0)" } ?? ""): \(problem)"
        }
    }
}
