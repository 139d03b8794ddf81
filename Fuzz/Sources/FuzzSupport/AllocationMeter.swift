import CLibFuzzer

/// The largest single heap allocation made while `measure` runs, seen through AddressSanitizer's
/// malloc hook. It shows that a decoder sizes its buffers by the configured limits, not by the
/// sizes a peer announces. Fuzz targets run on one thread, so plain globals are enough.
package enum AllocationMeter {
    nonisolated(unsafe) private static var active = false
    nonisolated(unsafe) private static var largest = 0
    nonisolated(unsafe) private static var installed = false

    package static func measure<T>(_ body: () throws -> T) rethrows -> (result: T, largest: Int) {
        if !installed {
            installed = true
            _ = __sanitizer_install_malloc_and_free_hooks({ _, size in
                if AllocationMeter.active, size > AllocationMeter.largest { AllocationMeter.largest = size }
            }, { _ in })
        }
        largest = 0
        active = true
        defer { active = false }
        let result = try body()
        return (result, largest)
    }
}
