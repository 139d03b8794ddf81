// C's `stdout` is a global that Swift 6 cannot prove safe to name: this file, and only this one,
// imports Glibc with preconcurrency to use it.
@preconcurrency import Glibc

/// Makes stdout line-buffered, so that a program reading an example's output through a pipe
/// sees each line as it is printed. Called once, before any output.
func lineBufferStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}

/// Prints `text` without a newline and flushes it at once: the guide's progress dots.
public func printProgress(_ text: String) {
    fputs(text, stdout)
    fflush(stdout)
}
