import Glibc

/// The one gate for system calls that report failure as -1 and errno: every such call in mc0
/// goes through `run`, so EINTR is retried here and nowhere else, and errno arrives typed.
package enum Syscall {
    /// Runs `call`; a -1 result becomes the thread's errno. An EINTR is retried unless
    /// `retryOnInterrupt` is false, for calls where a retry is wrong or the caller wants the
    /// interruption: a non-blocking connect (it goes on in the background) and the event loop's
    /// wait (it rechecks its timers).
    @inline(__always)
    package static func run<T: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> T) -> Result<T, Errno> {
        while true {
            let result = call()
            if result != -1 { return .success(result) }
            let error = Errno.current
            if error != .interrupted || !retryOnInterrupt { return .failure(error) }
        }
    }

    /// Closes `fd`. Never retried: Linux releases the descriptor whatever close returns, so a
    /// retry could close a descriptor another thread has just been given.
    @discardableResult
    package static func close(_ fd: Int32) -> Result<Int32, Errno> {
        run(retryOnInterrupt: false) { Glibc.close(fd) }
    }
}

extension Result where Failure == Errno {
    /// The call's value, or its errno as a `SystemError` naming `operation`.
    @inline(__always)
    package func get(_ operation: @autoclosure () -> String) throws(SystemError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let errno): throw SystemError(operation: operation(), errno: errno)
        }
    }
}
