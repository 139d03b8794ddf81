import Synchronization

private let sharedLoop = Mutex<EventLoop?>(nil)

extension EventLoop {
    /// The process-wide loop that sockets use when none is given; created on first use.
    public static func shared() throws -> EventLoop {
        try sharedLoop.withLock { loop in
            if let loop { return loop }
            let created = try EventLoop(name: "zmtp-shared")
            loop = created
            return created
        }
    }
}
