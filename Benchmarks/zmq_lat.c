/* Latency peer on libzmq: a DEALER ("ping") sends a SIZE-byte message to a ROUTER ("echo"),
 * waits for it to come back, and times every round trip; it prints the median and the 99th
 * percentile. The echo also serves zmq_hs (CURVE handshakes). Either side may bind. */

#include "bench_common.c"

static const char usage[] =
    "usage: zmq_lat echo (--bind|--connect) ENDPOINT [--backlog N] [--spin]\n"
    "                    [--curve-server SECRET | --curve-client SERVERPUB PUB SECRET]\n"
    "       zmq_lat ping (--bind|--connect) ENDPOINT --size BYTES --count N [--warmup N] [--spin]\n"
    "                    [--curve-server SECRET | --curve-client SERVERPUB PUB SECRET] [--timeout-ms MS]\n";

struct options {
    int ping;
    int bind;
    const char *endpoint;
    long size, count, warmup, timeout_ms, backlog;
    struct curve_options curve;
};

static struct options parse(int argc, char **argv)
{
    struct options o = {.size = -1, .count = -1, .warmup = 100, .timeout_ms = 30000, .backlog = -1};
    if (argc < 2 || (strcmp(argv[1], "echo") != 0 && strcmp(argv[1], "ping") != 0)) {
        fputs(usage, stderr);
        exit(2);
    }
    o.ping = strcmp(argv[1], "ping") == 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--bind") == 0 || strcmp(argv[i], "--connect") == 0) {
            o.bind = argv[i][2] == 'b';
            o.endpoint = flag_value(argc, argv, &i);
        } else if (strcmp(argv[i], "--size") == 0) {
            o.size = parse_long("--size", flag_value(argc, argv, &i), 0, 1L << 30);
        } else if (strcmp(argv[i], "--count") == 0) {
            o.count = parse_long("--count", flag_value(argc, argv, &i), 1, 1L << 30);
        } else if (strcmp(argv[i], "--warmup") == 0) {
            o.warmup = parse_long("--warmup", flag_value(argc, argv, &i), 0, 1L << 30);
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            o.timeout_ms = parse_long("--timeout-ms", flag_value(argc, argv, &i), 1, 1L << 30);
        } else if (strcmp(argv[i], "--spin") == 0) {
            spin_receive = 1;
        } else if (strcmp(argv[i], "--backlog") == 0) {
            o.backlog = parse_long("--backlog", flag_value(argc, argv, &i), 1, 1L << 20);
        } else if (!parse_curve_flag(argc, argv, &i, &o.curve)) {
            fprintf(stderr, "zmq_lat: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    if (o.endpoint == NULL || (o.ping && (o.size < 0 || o.count < 0))) {
        fputs(usage, stderr);
        exit(2);
    }
    return o;
}

/* Sends every message back as it came, frame by frame (the routing id first, so it goes back
 * to its sender), until SIGINT or SIGTERM. */
static void run_echo(void *socket)
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

static uint64_t round_trip(void *socket, const char *payload, const struct options *o, long n)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    uint64_t start = now_ns();
    if (zmq_send(socket, payload, (size_t)o->size, 0) == -1)
        die("round trip %ld: send: %s", n, zmq_strerror(zmq_errno()));
    if (receive_frame(&msg, socket, "ping receive") != 0)
        die("round trip %ld: no echo within %ld ms", n, o->timeout_ms);
    uint64_t elapsed = now_ns() - start;
    if (zmq_msg_more(&msg) || (long)zmq_msg_size(&msg) != o->size
        || memcmp(zmq_msg_data(&msg), payload, (size_t)o->size) != 0)
        die("round trip %ld: the echo differs from the %ld bytes sent", n, o->size);
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

static void run_ping(void *socket, const struct options *o)
{
    char *payload = malloc((size_t)o->size + 1);
    uint64_t *samples = malloc(sizeof *samples * (size_t)o->count);
    if (payload == NULL || samples == NULL)
        die("cannot allocate %ld samples of %ld bytes", o->count, o->size);
    for (long i = 0; i < o->size; i++)
        payload[i] = (char)(i * 7 + 1);
    /* The first round trips include the connection and handshake: not measured. */
    for (long n = 0; n < o->warmup; n++)
        round_trip(socket, payload, o, n);
    /* A runner reads the echo's CPU time when it sees this line, and again after the result. */
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

int main(int argc, char **argv)
{
    struct options o = parse(argc, argv);
    void *context = zmq_ctx_new();
    void *socket = zmq_socket(context, o.ping ? ZMQ_DEALER : ZMQ_ROUTER);
    apply_curve(socket, &o.curve);
    set_int_option(socket, ZMQ_LINGER, 0, "ZMQ_LINGER");
    if (o.ping) {
        spin_timeout_ms = o.timeout_ms;
        set_int_option(socket, ZMQ_RCVTIMEO, (int)o.timeout_ms, "ZMQ_RCVTIMEO");
        set_int_option(socket, ZMQ_SNDTIMEO, (int)o.timeout_ms, "ZMQ_SNDTIMEO");
    }
    if (o.backlog > 0)
        set_int_option(socket, ZMQ_BACKLOG, (int)o.backlog, "ZMQ_BACKLOG");
    attach(socket, o.bind, o.endpoint);
    if (o.ping)
        run_ping(socket, &o);
    else
        run_echo(socket);
    zmq_close(socket);
    zmq_ctx_term(context);
    return 0;
}
