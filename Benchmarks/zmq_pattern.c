/* Socket-pattern peer on libzmq, the twin of `zmtp-perf pattern`:
 *   pub  XPUB (verbose) waits for --subscribers subscriptions, then publishes COUNT messages
 *   sub  SUB to everything, times COUNT messages from the first to the last
 *   push PUSH sends COUNT messages; pull PULL times them
 *   req  REQ times COUNT round trips after a warm-up; rep REP echoes until SIGTERM
 * High-water marks are raised above COUNT so that no publisher drops: the rows compare
 * delivery, not loss. */

#include "bench_common.c"

static const char usage[] =
    "usage: zmq_pattern pub|sub|push|pull|req|rep (--bind|--connect) ENDPOINT --size BYTES --count N\n"
    "                   [--subscribers N] [--curve-server SECRET | --curve-client SERVERPUB PUB SECRET] [--timeout-ms MS]\n";

static const char *const modes[] = {"pub", "sub", "push", "pull", "req", "rep"};
static const int types[] = {ZMQ_XPUB, ZMQ_SUB, ZMQ_PUSH, ZMQ_PULL, ZMQ_REQ, ZMQ_REP};

struct options {
    int mode;
    int bind;
    const char *endpoint;
    long size, count, subscribers, timeout_ms;
    struct curve_options curve;
};

static struct options parse(int argc, char **argv)
{
    struct options o = {.mode = -1, .size = -1, .count = -1, .subscribers = 1, .timeout_ms = 30000};
    for (int m = 0; argc > 1 && m < 6; m++)
        if (strcmp(argv[1], modes[m]) == 0)
            o.mode = m;
    if (o.mode < 0) {
        fputs(usage, stderr);
        exit(2);
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--bind") == 0 || strcmp(argv[i], "--connect") == 0) {
            o.bind = argv[i][2] == 'b';
            o.endpoint = flag_value(argc, argv, &i);
        } else if (strcmp(argv[i], "--size") == 0) {
            o.size = parse_long("--size", flag_value(argc, argv, &i), 0, 1L << 30);
        } else if (strcmp(argv[i], "--count") == 0) {
            o.count = parse_long("--count", flag_value(argc, argv, &i), 2, 1L << 30);
        } else if (strcmp(argv[i], "--subscribers") == 0) {
            o.subscribers = parse_long("--subscribers", flag_value(argc, argv, &i), 1, 1L << 20);
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            o.timeout_ms = parse_long("--timeout-ms", flag_value(argc, argv, &i), 1, 1L << 30);
        } else if (!parse_curve_flag(argc, argv, &i, &o.curve)) {
            fprintf(stderr, "zmq_pattern: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    if (o.endpoint == NULL || o.size < 0 || o.count < 0) {
        fputs(usage, stderr);
        exit(2);
    }
    return o;
}

static void send_all(void *socket, const struct options *o)
{
    char *payload = malloc((size_t)o->size + 1);
    if (payload == NULL)
        die("cannot allocate %ld bytes", o->size);
    memset(payload, 'm', (size_t)o->size);
    for (long n = 0; n < o->count; n++)
        if (zmq_send(socket, payload, (size_t)o->size, 0) == -1)
            die("send %ld of %ld: %s", n + 1, o->count, zmq_strerror(zmq_errno()));
    free(payload);
}

/* XPUB: every subscriber's subscription has arrived before the first message. */
static void await_subscribers(void *socket, const struct options *o)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long n = 0; n < o->subscribers; n++)
        if (receive_frame(&msg, socket, "subscription") != 0)
            die("subscription %ld of %ld did not arrive within %ld ms", n + 1, o->subscribers, o->timeout_ms);
    zmq_msg_close(&msg);
}

static void receive_all(void *socket, const struct options *o)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    uint64_t start = 0;
    for (long n = 0; n < o->count; n++) {
        if (receive_frame(&msg, socket, "receive") != 0)
            die("message %ld of %ld did not arrive within %ld ms", n + 1, o->count, o->timeout_ms);
        if (zmq_msg_more(&msg) || (long)zmq_msg_size(&msg) != o->size)
            die("message %ld: expected one frame of %ld bytes", n + 1, o->size);
        if (n == 0)
            start = now_ns();
    }
    uint64_t elapsed = now_ns() - start;
    zmq_msg_close(&msg);
    double rate = (double)(o->count - 1) / ((double)(elapsed ? elapsed : 1) / 1e9);
    printf("msgs/s=%.0f MB/s=%.1f count=%ld size=%ld\n", rate, rate * (double)o->size / 1e6, o->count, o->size);
}

static uint64_t round_trip(void *socket, const char *payload, const struct options *o, long n)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    uint64_t start = now_ns();
    if (zmq_send(socket, payload, (size_t)o->size, 0) == -1)
        die("round trip %ld: send: %s", n, zmq_strerror(zmq_errno()));
    if (receive_frame(&msg, socket, "reply") != 0)
        die("round trip %ld: no reply within %ld ms", n, o->timeout_ms);
    uint64_t elapsed = now_ns() - start;
    if ((long)zmq_msg_size(&msg) != o->size || memcmp(zmq_msg_data(&msg), payload, (size_t)o->size) != 0)
        die("round trip %ld: the reply differs from the request", n);
    zmq_msg_close(&msg);
    return elapsed;
}

static void run_req(void *socket, const struct options *o)
{
    char *payload = malloc((size_t)o->size + 1);
    uint64_t *samples = malloc(sizeof *samples * (size_t)o->count);
    if (payload == NULL || samples == NULL)
        die("cannot allocate %ld samples", o->count);
    for (long i = 0; i < o->size; i++)
        payload[i] = (char)(i * 7 + 1);
    for (long n = 0; n < 1000; n++)
        round_trip(socket, payload, o, n);
    for (long n = 0; n < o->count; n++)
        samples[n] = round_trip(socket, payload, o, n);
    qsort(samples, (size_t)o->count, sizeof *samples, compare_u64);
    printf("p50_us=%.1f p99_us=%.1f count=%ld size=%ld\n", (double)samples[o->count / 2] / 1000.0,
           (double)samples[(o->count * 99) / 100] / 1000.0, o->count, o->size);
    free(samples);
    free(payload);
}

static void run_rep(void *socket)
{
    install_stop_handlers();
    set_int_option(socket, ZMQ_RCVTIMEO, 200, "ZMQ_RCVTIMEO");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    while (!stop_requested) {
        if (receive_frame(&msg, socket, "request") != 0)
            continue;
        if (zmq_msg_send(&msg, socket, 0) == -1 && zmq_errno() != EINTR)
            die("reply: %s", zmq_strerror(zmq_errno()));
    }
    zmq_msg_close(&msg);
}

int main(int argc, char **argv)
{
    struct options o = parse(argc, argv);
    const char *mode = modes[o.mode];
    void *context = zmq_ctx_new();
    void *socket = zmq_socket(context, types[o.mode]);
    apply_curve(socket, &o.curve);
    int timeout = (int)o.timeout_ms;
    int hwm = (int)o.count + 16;
    set_int_option(socket, ZMQ_SNDHWM, hwm, "ZMQ_SNDHWM");
    set_int_option(socket, ZMQ_RCVHWM, hwm, "ZMQ_RCVHWM");
    set_int_option(socket, ZMQ_RCVTIMEO, timeout, "ZMQ_RCVTIMEO");
    set_int_option(socket, ZMQ_SNDTIMEO, timeout, "ZMQ_SNDTIMEO");
    /* A sender's close waits (bounded) until every queued message is on the wire. */
    set_int_option(socket, ZMQ_LINGER, strcmp(mode, "pub") == 0 || strcmp(mode, "push") == 0 ? timeout : 0, "ZMQ_LINGER");
    if (strcmp(mode, "pub") == 0)
        set_int_option(socket, ZMQ_XPUB_VERBOSE, 1, "ZMQ_XPUB_VERBOSE");
    if (strcmp(mode, "sub") == 0)
        check(zmq_setsockopt(socket, ZMQ_SUBSCRIBE, "", 0), "ZMQ_SUBSCRIBE");
    attach(socket, o.bind, o.endpoint);
    if (strcmp(mode, "pub") == 0) {
        await_subscribers(socket, &o);
        send_all(socket, &o);
    } else if (strcmp(mode, "push") == 0) {
        send_all(socket, &o);
    } else if (strcmp(mode, "sub") == 0 || strcmp(mode, "pull") == 0) {
        receive_all(socket, &o);
    } else if (strcmp(mode, "req") == 0) {
        run_req(socket, &o);
    } else {
        run_rep(socket);
    }
    zmq_close(socket);
    zmq_ctx_term(context);
    return 0;
}
