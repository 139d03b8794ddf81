/* Throughput over inproc on libzmq, sender and receiver in one process: a DEALER on its own
 * thread sends COUNT messages of SIZE bytes to a ROUTER, which times them from the first to the
 * last and prints the rate and the process's CPU per message (the output of zmq_thr). The counterpart of `zmtp-perf inproc-thr`. */

#include "bench_common.c"

#include <pthread.h>

static const char usage[] = "usage: zmq_inproc_thr --size BYTES --count N [--timeout-ms MS]\n";
static const char endpoint[] = "inproc://zmq-inproc-thr";

struct run {
    void *context;
    long size, count;
    int timeout_ms;
};

static void *send_all(void *argument)
{
    const struct run *r = argument;
    void *socket = zmq_socket(r->context, ZMQ_DEALER);
    set_int_option(socket, ZMQ_SNDTIMEO, r->timeout_ms, "ZMQ_SNDTIMEO");
    set_int_option(socket, ZMQ_LINGER, r->timeout_ms, "ZMQ_LINGER");
    check(zmq_connect(socket, endpoint), "zmq_connect");
    char *payload = malloc((size_t)r->size + 1);
    if (payload == NULL)
        die("cannot allocate %ld bytes", r->size);
    memset(payload, 'm', (size_t)r->size);
    for (long n = 0; n < r->count; n++) {
        if (zmq_send(socket, payload, (size_t)r->size, 0) == -1)
            die("send %ld of %ld: %s", n + 1, r->count, zmq_strerror(zmq_errno()));
    }
    free(payload);
    zmq_close(socket);
    return NULL;
}

static void receive_message(void *socket, zmq_msg_t *msg, const struct run *r, long n)
{
    if (receive_frame(msg, socket, "receive") != 0 || !zmq_msg_more(msg))
        die("message %ld of %ld: no routing id frame within %d ms", n + 1, r->count, r->timeout_ms);
    if (receive_frame(msg, socket, "receive") != 0 || zmq_msg_more(msg) || (long)zmq_msg_size(msg) != r->size)
        die("message %ld: expected one payload frame of %ld bytes", n + 1, r->size);
}

int main(int argc, char **argv)
{
    struct run r = {.size = -1, .count = -1, .timeout_ms = 30000};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0) {
            r.size = parse_long("--size", flag_value(argc, argv, &i), 0, 1L << 30);
        } else if (strcmp(argv[i], "--count") == 0) {
            r.count = parse_long("--count", flag_value(argc, argv, &i), 2, 1L << 40);
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            r.timeout_ms = (int)parse_long("--timeout-ms", flag_value(argc, argv, &i), 1, 1L << 30);
        } else {
            fprintf(stderr, "zmq_inproc_thr: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    if (r.size < 0 || r.count < 0) {
        fputs(usage, stderr);
        exit(2);
    }
    r.context = zmq_ctx_new();
    void *socket = zmq_socket(r.context, ZMQ_ROUTER);
    set_int_option(socket, ZMQ_RCVTIMEO, r.timeout_ms, "ZMQ_RCVTIMEO");
    check(zmq_bind(socket, endpoint), "zmq_bind");
    pthread_t sender;
    if (pthread_create(&sender, NULL, send_all, &r) != 0)
        die("pthread_create failed");

    zmq_msg_t msg;
    zmq_msg_init(&msg);
    receive_message(socket, &msg, &r, 0);
    uint64_t start = now_ns(), cpu_start = cpu_ns();
    for (long n = 1; n < r.count; n++)
        receive_message(socket, &msg, &r, n);
    uint64_t elapsed = now_ns() - start, cpu = cpu_ns() - cpu_start;
    zmq_msg_close(&msg);
    pthread_join(sender, NULL);
    double seconds = (double)(elapsed ? elapsed : 1) / 1e9;
    double rate = (double)(r.count - 1) / seconds;
    printf("msgs/s=%.0f MB/s=%.1f seconds=%.3f cpu_us=%.4f count=%ld size=%ld\n", rate, rate * (double)r.size / 1e6,
           seconds, (double)cpu / 1e3 / (double)(r.count - 1), r.count, r.size);
    zmq_close(socket);
    zmq_ctx_term(r.context);
    return 0;
}
