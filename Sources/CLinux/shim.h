// Swift's Glibc module leaves out these Linux-only interfaces.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <netinet/tcp.h>

// accept4 is declared only under _GNU_SOURCE (which would change other glibc declarations);
// reach it through syscall(2), declared by default.
#include <sys/syscall.h>
#include <unistd.h>
static inline int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return (int)syscall(SYS_accept4, fd, addr, len, flags);
}

// A spin-wait hint for the short lock spins of the event loop and sockets.
static inline void clinux_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
