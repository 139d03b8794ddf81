/* The floor of CURVE throughput at a message size: what any implementation must spend per
 * message, with libsodium and memcpy only, shaped as the real thing runs. A sender thread seals
 * each message (XSalsa20-Poly1305 with a precomputed key, as CURVE's MESSAGE command) and copies
 * the box into a ring of slots (standing for the kernel's copy into the sending socket); a
 * receiver thread copies it out (the kernel's copy out of the receiving socket), opens it and
 * checks its sequence number. The two threads run in parallel on two cores, as a sending and a
 * receiving process do, so the pipeline's rate is bounded by the slower side, not by the sum of
 * both sides' work. With --through tcp the boxes go through a loopback TCP connection instead of
 * the ring: the crypto plus what the kernel costs to carry the bytes, for comparison. */

#include "bench_common.c"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

static const char usage[] = "usage: curve_floor --size BYTES --count N [--through ring|tcp]\n";

/* About 1 MiB of 64 KiB boxes in flight, as much as a loopback socket pair buffers. */
enum { slots = 16 };
/* One message in this many has its parts timed, so that reading the thread's CPU clock
 * (a system call) adds next to nothing to the side's own CPU time. */
enum { sample_every = 8 };

struct pipeline {
    long size, count;
    size_t boxed;
    unsigned char key[crypto_box_BEFORENMBYTES];
    unsigned char *ring;
    int tcp[2];  /* the sending and the receiving end with --through tcp; -1 with the ring */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    long produced, consumed;  /* under lock */
    /* Written by their own thread, read after the join. */
    uint64_t sender_cpu, receiver_cpu, seal, open, copy_in, copy_out, sampled_in, sampled_out;
    uint64_t first, last;  /* wall clock of the first and last message received */
};

static void nonce_for(unsigned char nonce[crypto_box_NONCEBYTES], long n)
{
    memset(nonce, 0, crypto_box_NONCEBYTES);
    put_sequence(nonce + crypto_box_NONCEBYTES - 8, (uint64_t)n);
}

/* Hands box n to the receiver: into its slot once the slot is free, or into the TCP
 * connection. The copy (or the send) is timed when `sampled`. */
static void put_box(struct pipeline *p, long n, const unsigned char *box, int sampled)
{
    if (p->tcp[0] < 0) {
        pthread_mutex_lock(&p->lock);
        while (p->produced - p->consumed == slots)
            pthread_cond_wait(&p->changed, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
    uint64_t t0 = sampled ? thread_cpu_ns() : 0;
    if (p->tcp[0] < 0) {
        memcpy(p->ring + (size_t)(n % slots) * p->boxed, box, p->boxed);
    } else {
        for (size_t sent = 0; sent < p->boxed;) {
            ssize_t k = send(p->tcp[0], box + sent, p->boxed - sent, MSG_NOSIGNAL);
            if (k < 0 && errno != EINTR)
                die("send: %s", strerror(errno));
            sent += k > 0 ? (size_t)k : 0;
        }
    }
    if (sampled) {
        p->copy_in += thread_cpu_ns() - t0;
        p->sampled_in++;
    }
    if (p->tcp[0] < 0) {
        pthread_mutex_lock(&p->lock);
        p->produced++;
        pthread_cond_signal(&p->changed);
        pthread_mutex_unlock(&p->lock);
    }
}

/* Takes box n from its slot once it is there, or from the TCP connection. */
static void get_box(struct pipeline *p, long n, unsigned char *box, int sampled)
{
    if (p->tcp[1] < 0) {
        pthread_mutex_lock(&p->lock);
        while (p->produced == p->consumed)
            pthread_cond_wait(&p->changed, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
    uint64_t t0 = sampled ? thread_cpu_ns() : 0;
    if (p->tcp[1] < 0) {
        memcpy(box, p->ring + (size_t)(n % slots) * p->boxed, p->boxed);
    } else {
        for (size_t got = 0; got < p->boxed;) {
            ssize_t k = recv(p->tcp[1], box + got, p->boxed - got, MSG_WAITALL);
            if (k == 0)
                die("the TCP connection closed at message %ld", n);
            if (k < 0 && errno != EINTR)
                die("recv: %s", strerror(errno));
            got += k > 0 ? (size_t)k : 0;
        }
    }
    if (sampled) {
        p->copy_out += thread_cpu_ns() - t0;
        p->sampled_out++;
    }
    if (p->tcp[1] < 0) {
        pthread_mutex_lock(&p->lock);
        p->consumed++;
        pthread_cond_signal(&p->changed);
        pthread_mutex_unlock(&p->lock);
    }
}

/* A connected pair of loopback TCP sockets: tcp[0] sends, tcp[1] receives. */
static void connect_tcp(int tcp[2])
{
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, length) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, (struct sockaddr *)&address, &length) != 0)
        die("cannot listen on 127.0.0.1: %s", strerror(errno));
    tcp[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (tcp[0] < 0 || connect(tcp[0], (struct sockaddr *)&address, length) != 0)
        die("cannot connect to 127.0.0.1: %s", strerror(errno));
    tcp[1] = accept(listener, NULL, NULL);
    if (tcp[1] < 0)
        die("accept: %s", strerror(errno));
    close(listener);
}

static void *sender(void *arg)
{
    struct pipeline *p = arg;
    unsigned char *plain = malloc((size_t)p->size), *box = malloc(p->boxed);
    unsigned char nonce[crypto_box_NONCEBYTES];
    if (plain == NULL || box == NULL)
        die("cannot allocate %ld bytes", p->size);
    memset(plain, 'm', (size_t)p->size);
    uint64_t start = thread_cpu_ns();
    for (long n = 0; n < p->count; n++) {
        int sampled = n % sample_every == 0;
        put_sequence(plain, (uint64_t)n);
        nonce_for(nonce, n);
        uint64_t t0 = sampled ? thread_cpu_ns() : 0;
        crypto_box_easy_afternm(box, plain, (unsigned long long)p->size, nonce, p->key);
        uint64_t t1 = sampled ? thread_cpu_ns() : 0;
        put_box(p, n, box, sampled);
        if (sampled)
            p->seal += t1 - t0;
    }
    p->sender_cpu = thread_cpu_ns() - start;
    free(plain);
    free(box);
    return NULL;
}

static void receiver(struct pipeline *p)
{
    unsigned char *box = malloc(p->boxed), *opened = malloc((size_t)p->size);
    unsigned char nonce[crypto_box_NONCEBYTES];
    if (box == NULL || opened == NULL)
        die("cannot allocate %ld bytes", p->size);
    uint64_t start = thread_cpu_ns();
    for (long n = 0; n < p->count; n++) {
        int sampled = n % sample_every == 0;
        get_box(p, n, box, sampled);
        nonce_for(nonce, n);
        uint64_t t0 = sampled ? thread_cpu_ns() : 0;
        if (crypto_box_open_easy_afternm(opened, box, p->boxed, nonce, p->key) != 0)
            die("message %ld did not open", n);
        if (sampled)
            p->open += thread_cpu_ns() - t0;
        if (get_sequence(opened) != (uint64_t)n)
            die("message %ld: sequence number %llu", n, (unsigned long long)get_sequence(opened));
        if (n == 0)
            p->first = now_ns();
    }
    p->last = now_ns();
    p->receiver_cpu = thread_cpu_ns() - start;
    free(box);
    free(opened);
}

int main(int argc, char **argv)
{
    struct pipeline p = {.size = 65536, .count = 20000, .tcp = {-1, -1},
                         .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    int through_tcp = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0)
            p.size = parse_long("--size", flag_value(argc, argv, &i), 8, 1L << 26);
        else if (strcmp(argv[i], "--count") == 0)
            p.count = parse_long("--count", flag_value(argc, argv, &i), 2, 1L << 30);
        else if (strcmp(argv[i], "--through") == 0) {
            const char *through = flag_value(argc, argv, &i);
            if (strcmp(through, "tcp") != 0 && strcmp(through, "ring") != 0) {
                fprintf(stderr, "curve_floor: --through takes ring or tcp, not '%s'\n%s", through, usage);
                exit(2);
            }
            through_tcp = strcmp(through, "tcp") == 0;
        } else {
            fprintf(stderr, "curve_floor: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    if (sodium_init() < 0)
        die("sodium_init failed");
    unsigned char server_public[crypto_box_PUBLICKEYBYTES], server_secret[crypto_box_SECRETKEYBYTES];
    unsigned char client_public[crypto_box_PUBLICKEYBYTES], client_secret[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(server_public, server_secret);
    crypto_box_keypair(client_public, client_secret);
    if (crypto_box_beforenm(p.key, server_public, client_secret) != 0)
        die("crypto_box_beforenm failed");
    p.boxed = (size_t)p.size + crypto_box_MACBYTES;
    p.ring = malloc(p.boxed * slots);
    if (p.ring == NULL)
        die("cannot allocate %d slots of %zu bytes", slots, p.boxed);
    if (through_tcp)
        connect_tcp(p.tcp);
    pthread_t thread;
    if (pthread_create(&thread, NULL, sender, &p) != 0)
        die("cannot start the sender thread");
    receiver(&p);
    pthread_join(thread, NULL);
    free(p.ring);
    if (through_tcp) {
        close(p.tcp[0]);
        close(p.tcp[1]);
    }

    double count = (double)p.count, seconds = (double)(p.last - p.first) / 1e9;
    double sender_us = (double)p.sender_cpu / count / 1e3, receiver_us = (double)p.receiver_cpu / count / 1e3;
    double slower_us = sender_us > receiver_us ? sender_us : receiver_us;
    printf("msgs/s=%.0f seconds=%.4f sender_cpu_us=%.3f receiver_cpu_us=%.3f both_cpu_us=%.3f "
           "bound_msgs/s=%.0f seal_us=%.3f copy_in_us=%.3f copy_out_us=%.3f open_us=%.3f size=%ld count=%ld\n",
           (count - 1) / seconds, seconds, sender_us, receiver_us, sender_us + receiver_us, 1e6 / slower_us,
           (double)p.seal / (double)p.sampled_in / 1e3, (double)p.copy_in / (double)p.sampled_in / 1e3,
           (double)p.copy_out / (double)p.sampled_out / 1e3, (double)p.open / (double)p.sampled_out / 1e3,
           p.size, p.count);
    return 0;
}
