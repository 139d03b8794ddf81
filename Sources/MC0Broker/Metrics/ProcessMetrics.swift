import Glibc
import ZMTP

/// The standard process metrics as the Prometheus client libraries define them, read from
/// /proc at each scrape (a few small reads; nothing is kept between scrapes).
enum ProcessMetrics {
    static func write(into out: inout PrometheusText) {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        if let stat = statFields() {
            // Fields counted from the state (field 3 of proc(5)): utime 14, stime 15,
            // starttime 22, vsize 23, rss 24.
            let field = { (n: Int) in Double(stat[n - 3]) ?? 0 }
            out.family("process_cpu_seconds_total", type: "counter", help: "Total user and system CPU time spent in seconds.")
            out.sample("process_cpu_seconds_total", [], (field(14) + field(15)) / ticks)
            out.family("process_virtual_memory_bytes", type: "gauge", help: "Virtual memory size in bytes.")
            out.sample("process_virtual_memory_bytes", [], field(23))
            out.family("process_resident_memory_bytes", type: "gauge", help: "Resident memory size in bytes.")
            out.sample("process_resident_memory_bytes", [], field(24) * Double(sysconf(Int32(_SC_PAGESIZE))))
            if let boot = bootTime() {
                out.family("process_start_time_seconds", type: "gauge", help: "Start time of the process since unix epoch in seconds.")
                out.sample("process_start_time_seconds", [], boot + field(22) / ticks)
            }
        }
        if let fds = openDescriptors() {
            out.family("process_open_fds", type: "gauge", help: "Number of open file descriptors.")
            out.sample("process_open_fds", [], fds)
        }
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            out.family("process_max_fds", type: "gauge", help: "Maximum number of open file descriptors.")
            out.sample("process_max_fds", [], Double(limit.rlim_cur))
        }
    }

    /// /proc/self/stat from the process state on (the command name before it may hold spaces).
    private static func statFields() -> [Substring]? {
        guard let text = read("/proc/self/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count >= 22 ? fields : nil
    }

    private static func bootTime() -> Double? {
        guard let text = read("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    private static func openDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count - 1  // the descriptor opendir itself holds
    }

    /// A small /proc file whole (they report a size of 0, so read until EOF).
    private static func read(_ path: String) -> String? {
        guard case .success(let fd) = Syscall.run({ open(path, O_RDONLY | O_CLOEXEC) }) else { return nil }
        defer { Syscall.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            guard case .success(let n) = Syscall.run({ chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }),
                  n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
