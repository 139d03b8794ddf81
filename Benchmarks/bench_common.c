/* Helpers shared by the benchmark peers. Each program #includes this file, so that every
 * benchmark is one translation unit and build.sh stays one gcc line per program. */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* Prints "PROGRAM: message" on stderr and exits 1. */
__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "%s: ", program_invocation_short_name);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

/* Dies with the zmq error when rc is -1; returns rc otherwise. */
int check(int rc, const char *what)
{
    if (rc == -1)
        die("%s: %s", what, zmq_strerror(zmq_errno()));
    return rc;
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of this process, all threads (those already ended too), in nanoseconds. */
uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling thread, in nanoseconds. */
uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sequence numbers ride in a message's first 8 bytes, little-endian, so that a receiver can
 * prove that nothing was lost, duplicated or reordered. */
void put_sequence(void *payload, uint64_t n)
{
    for (int i = 0; i < 8; i++)
        ((unsigned char *)payload)[i] = (unsigned char)(n >> (8 * i));
}

uint64_t get_sequence(const void *payload)
{
    uint64_t n = 0;
    for (int i = 0; i < 8; i++)
        n |= (uint64_t)((const unsigned char *)payload)[i] << (8 * i);
    return n;
}

/* A decimal integer flag value in [min, max], or death with a message naming the flag. */
long parse_long(const char *flag, const char *text, long min, long max)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        die("%s: expected a whole number from %ld to %ld, got '%s'", flag, min, max, text);
    return value;
}

/* The value after argv[*i], advancing *i; dies when it is missing. */
const char *flag_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die("%s needs a value", argv[*i]);
    *i += 1;
    return argv[*i];
}

const char *z85_key(const char *flag, const char *text)
{
    uint8_t raw[32];
    if (strlen(text) != 40 || zmq_z85_decode(raw, text) == NULL)
        die("%s: expected a 40-character Z85 key, got '%s'", flag, text);
    return text;
}

/* --curve-server SECRET or --curve-client SERVERPUB PUB SECRET, as the programs share them. */
struct curve_options {
    const char *server_secret;
    const char *server_public, *client_public, *client_secret;
};

/* Consumes a CURVE flag at argv[*i] and returns 1, or returns 0 when argv[*i] is not one. */
int parse_curve_flag(int argc, char **argv, int *i, struct curve_options *curve)
{
    if (strcmp(argv[*i], "--curve-server") == 0) {
        curve->server_secret = z85_key("--curve-server", flag_value(argc, argv, i));
        return 1;
    }
    if (strcmp(argv[*i], "--curve-client") == 0) {
        if (*i + 3 >= argc)
            die("--curve-client needs SERVERPUB PUB SECRET");
        curve->server_public = z85_key("--curve-client SERVERPUB", argv[*i + 1]);
        curve->client_public = z85_key("--curve-client PUB", argv[*i + 2]);
        curve->client_secret = z85_key("--curve-client SECRET", argv[*i + 3]);
        *i += 3;
        return 1;
    }
    return 0;
}

void set_string_option(void *socket, int option, const char *value, const char *what)
{
    check(zmq_setsockopt(socket, option, value, strlen(value)), what);
}

void set_int_option(void *socket, int option, int value, const char *what)
{
    check(zmq_setsockopt(socket, option, &value, sizeof value), what);
}

void apply_curve(void *socket, const struct curve_options *curve)
{
    if (curve->server_secret != NULL) {
        char public_key[41];
        check(zmq_curve_public(public_key, curve->server_secret), "zmq_curve_public");
        set_int_option(socket, ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER");
        set_string_option(socket, ZMQ_CURVE_SECRETKEY, curve->server_secret, "ZMQ_CURVE_SECRETKEY");
        set_string_option(socket, ZMQ_CURVE_PUBLICKEY, public_key, "ZMQ_CURVE_PUBLICKEY");
    } else if (curve->server_public != NULL) {
        set_string_option(socket, ZMQ_CURVE_SERVERKEY, curve->server_public, "ZMQ_CURVE_SERVERKEY");
        set_string_option(socket, ZMQ_CURVE_PUBLICKEY, curve->client_public, "ZMQ_CURVE_PUBLICKEY");
        set_string_option(socket, ZMQ_CURVE_SECRETKEY, curve->client_secret, "ZMQ_CURVE_SECRETKEY");
    }
}

/* Binds or connects, then prints "ENDPOINT <last endpoint>" on stdout (the real port when
 * binding port 0 or *), so that a runner can start the other side. */
void attach(void *socket, int bind, const char *endpoint)
{
    if (bind)
        check(zmq_bind(socket, endpoint), endpoint);
    else
        check(zmq_connect(socket, endpoint), endpoint);
    char last[256];
    size_t size = sizeof last;
    check(zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, last, &size), "ZMQ_LAST_ENDPOINT");
    printf("ENDPOINT %s\n", last);
    fflush(stdout);
}

/* Set by SIGINT or SIGTERM. Installed without SA_RESTART, so blocking zmq calls return
 * EINTR and the loops can finish cleanly. */
volatile sig_atomic_t stop_requested;

static void request_stop(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

void install_stop_handlers(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

/* Set by a program's --spin flag: receive_frame then polls with ZMQ_DONTWAIT instead of
 * blocking, giving up after spin_timeout_ms, as a busy-polling application would. */
int spin_receive;
long spin_timeout_ms = 30000;

/* Receives one frame into msg; returns 0 on success, -1 on EINTR (stop requested) or
 * EAGAIN (receive timeout), and dies on any other error. */
int receive_frame(zmq_msg_t *msg, void *socket, const char *what)
{
    uint64_t deadline = spin_receive ? now_ns() + (uint64_t)spin_timeout_ms * 1000000u : 0;
    for (long polls = 0;; polls++) {
        if (zmq_msg_recv(msg, socket, spin_receive ? ZMQ_DONTWAIT : 0) >= 0)
            return 0;
        if (zmq_errno() == EINTR)
            return -1;
        if (zmq_errno() != EAGAIN)
            die("%s: %s", what, zmq_strerror(zmq_errno()));
        /* The clock only now and then: reading it costs more than a poll. */
        if (!spin_receive || stop_requested || (polls % 1024 == 1023 && now_ns() >= deadline))
            return -1;
    }
}

int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The flags of zmq_lat and zmq_pattern: where to attach, what to send, for how long to wait,
 * --spin and CURVE. Size and count stay -1 unless given. */
struct peer_options {
    int bind;
    const char *endpoint;
    long size, count, warmup, timeout_ms;
    struct curve_options curve;
};

#define PEER_OPTIONS_DEFAULT {.size = -1, .count = -1, .warmup = 100, .timeout_ms = 30000}

/* Consumes a shared flag at argv[*i] (with its values) and returns 1, or returns 0 when argv[*i]
 * is none of them. --spin sets spin_receive. */
int parse_peer_flag(int argc, char **argv, int *i, struct peer_options *o)
{
    if (strcmp(argv[*i], "--bind") == 0 || strcmp(argv[*i], "--connect") == 0) {
        o->bind = argv[*i][2] == 'b';
        o->endpoint = flag_value(argc, argv, i);
    } else if (strcmp(argv[*i], "--size") == 0) {
        o->size = parse_long("--size", flag_value(argc, argv, i), 0, 1L << 30);
    } else if (strcmp(argv[*i], "--count") == 0) {
        o->count = parse_long("--count", flag_value(argc, argv, i), 1, 1L << 30);
    } else if (strcmp(argv[*i], "--warmup") == 0) {
        o->warmup = parse_long("--warmup", flag_value(argc, argv, i), 0, 1L << 30);
    } else if (strcmp(argv[*i], "--timeout-ms") == 0) {
        o->timeout_ms = parse_long("--timeout-ms", flag_value(argc, argv, i), 1, 1L << 30);
    } else if (strcmp(argv[*i], "--spin") == 0) {
        spin_receive = 1;
    } else {
        return parse_curve_flag(argc, argv, i, &o->curve);
    }
    return 1;
}

/* Sends every message back as it came, frame by frame, until SIGINT or SIGTERM: a ROUTER's
 * routing id goes first, so the reply goes back to its sender; a REP's envelope is its own. */
void run_echo(void *socket)
{
    install_stop_handlers();
    /* A signal that lands while libzmq is busy outside poll() gives no EINTR: wake up now and
     * then to look at the flag. */
    set_int_option(socket, ZMQ_RCVTIMEO, 200, "ZMQ_RCVTIMEO");
    spin_timeout_ms = 200;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    while (!stop_requested) {
        if (receive_frame(&msg, socket, "echo receive") != 0)
            continue;
        int flags = zmq_msg_more(&msg) ? ZMQ_SNDMORE : 0;
        if (zmq_msg_send(&msg, socket, flags) == -1 && zmq_errno() != EINTR)
            die("echo send: %s", zmq_strerror(zmq_errno()));
    }
    zmq_msg_close(&msg);
}

static uint64_t round_trip(void *socket, const char *payload, const struct peer_options *o, long n)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    uint64_t start = now_ns();
    if (zmq_send(socket, payload, (size_t)o->size, 0) == -1)
        die("round trip %ld: send: %s", n, zmq_strerror(zmq_errno()));
    if (receive_frame(&msg, socket, "reply") != 0)
        die("round trip %ld: no reply within %ld ms", n, o->timeout_ms);
    uint64_t elapsed = now_ns() - start;
    if (zmq_msg_more(&msg) || (long)zmq_msg_size(&msg) != o->size
        || memcmp(zmq_msg_data(&msg), payload, (size_t)o->size) != 0)
        die("round trip %ld: the reply differs from the %ld bytes sent", n, o->size);
    zmq_msg_close(&msg);
    return elapsed;
}

/* Nearest-rank percentile of sorted samples, in microseconds. */
static double percentile_us(const uint64_t *sorted, long count, double p)
{
    long rank = (long)(p * (double)count + 0.999999);
    if (rank < 1)
        rank = 1;
    return (double)sorted[rank - 1] / 1000.0;
}

/* Times COUNT round trips of SIZE bytes after WARMUP untimed ones (which include the
 * connection and handshake), on a DEALER or a REQ, and prints the median, the 99th percentile
 * and the CPU of this process per round trip. */
void run_round_trips(void *socket, const struct peer_options *o)
{
    char *payload = malloc((size_t)o->size + 1);
    uint64_t *samples = malloc(sizeof *samples * (size_t)o->count);
    if (payload == NULL || samples == NULL)
        die("cannot allocate %ld samples of %ld bytes", o->count, o->size);
    for (long i = 0; i < o->size; i++)
        payload[i] = (char)(i * 7 + 1);
    for (long n = 0; n < o->warmup; n++)
        round_trip(socket, payload, o, n);
    /* A runner reads the server's CPU time when it sees this line, and again after the result. */
    printf("TIMED\n");
    fflush(stdout);
    uint64_t start = now_ns(), cpu_start = cpu_ns();
    for (long n = 0; n < o->count; n++)
        samples[n] = round_trip(socket, payload, o, o->warmup + n);
    double seconds = (double)(now_ns() - start) / 1e9, cpu_us = (double)(cpu_ns() - cpu_start) / 1e3;
    qsort(samples, (size_t)o->count, sizeof *samples, compare_u64);
    printf("p50_us=%.2f p99_us=%.2f seconds=%.3f cpu_us=%.4f count=%ld size=%ld\n",
           percentile_us(samples, o->count, 0.50), percentile_us(samples, o->count, 0.99), seconds,
           cpu_us / (double)o->count, o->count, o->size);
    free(samples);
    free(payload);
}

/* The receivers' result line: COUNT - 1 messages arrived in the ELAPSED ns and CPU ns measured
 * from the first one. */
void print_rate(long count, long size, uint64_t elapsed, uint64_t cpu)
{
    double seconds = (double)(elapsed ? elapsed : 1) / 1e9;
    double rate = (double)(count - 1) / seconds;
    printf("msgs/s=%.0f MB/s=%.1f seconds=%.3f cpu_us=%.4f count=%ld size=%ld\n", rate, rate * (double)size / 1e6,
           seconds, (double)cpu / 1e3 / (double)(count - 1), count, size);
}

/* The senders' result line: the whole run since CPU_START, connection and flush included, per
 * message sent. */
void print_sender_cpu(uint64_t cpu_start, long count, long size)
{
    printf("cpu_us=%.4f count=%ld size=%ld\n", (double)(cpu_ns() - cpu_start) / 1e3 / (double)count, count, size);
}
