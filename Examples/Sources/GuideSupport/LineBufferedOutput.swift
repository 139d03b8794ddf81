@preconcurrency import Glibc

/// Makes stdout line-buffered, so that a program reading an example's output through a pipe
/// sees each line as it is printed. Called once, before any output; C's `stdout` is a global
/// that Swift 6 cannot prove safe, hence the preconcurrency import of this one file.
func lineBufferStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}
