import Glibc

/// Fails the run when a property of the code under test does not hold. libFuzzer reports the
/// abort as a crash and saves the input, so a broken property is found like a memory error.
package func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    guard !condition() else { return }
    let text = "PROPERTY VIOLATED at \(file):\(line): \(message())\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    abort()
}
