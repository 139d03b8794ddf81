import CLinux
import Glibc

/// Takes a pthread mutex, spinning briefly before sleeping. The sections these mutexes guard
/// (a queue append, a buffer swap) last tens of nanoseconds, while sleeping on a contended
/// mutex costs a futex wait, a wake-up and two context switches: microseconds on these VMs.
@inline(__always)
func lockSpinning(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
    for _ in 0..<100 {
        if pthread_mutex_trylock(mutex) == 0 { return }
        clinux_cpu_relax()
    }
    pthread_mutex_lock(mutex)
}
