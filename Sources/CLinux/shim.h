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
