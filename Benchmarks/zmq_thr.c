/* Throughput peer on libzmq: a DEALER sends COUNT messages of SIZE bytes to a ROUTER, which
 * times them from the first to the last and prints the rate. Either side may bind. */

#include "bench_common.c"

static const char usage[] =
    "usage: zmq_thr send|recv (--bind|--connect) ENDPOINT --size BYTES --count N\n"
    "               [--curve-server SECRET | --curve-client SERVERPUB PUB SECRET] [--timeout-ms MS]\n";

struct options {
    int send;
    int bind;
    const char *endpoint;
    long size, count, timeout_ms;
    struct curve_options curve;
};

static struct options parse(int argc, char **argv)
{
    struct options o = {.size = -1, .count = -1, .timeout_ms = 30000};
    if (argc < 2 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "recv") != 0)) {
        fputs(usage, stderr);
        exit(2);
    }
    o.send = strcmp(argv[1], "send") == 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--bind") == 0 || strcmp(argv[i], "--connect") == 0) {
            o.bind = argv[i][2] == 'b';
            o.endpoint = flag_value(argc, argv, &i);
        } else if (strcmp(argv[i], "--size") == 0) {
            o.size = parse_long("--size", flag_value(argc, argv, &i), 0, 1L << 30);
        } else if (strcmp(argv[i], "--count") == 0) {
            o.count = parse_long("--count", flag_value(argc, argv, &i), 2, 1L << 40);
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            o.timeout_ms = parse_long("--timeout-ms", flag_value(argc, argv, &i), 1, 1L << 30);
        } else if (!parse_curve_flag(argc, argv, &i, &o.curve)) {
            fprintf(stderr, "zmq_thr: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    if (o.endpoint == NULL || o.size < 0 || o.count < 0) {
        fputs(usage, stderr);
        exit(2);
    }
    return o;
}

static void run_sender(void *socket, const struct options *o)
{
    char *payload = malloc((size_t)o->size + 1);
    if (payload == NULL)
        die("cannot allocate %ld bytes", o->size);
    memset(payload, 'm', (size_t)o->size);
    for (long n = 0; n < o->count; n++) {
        if (zmq_send(socket, payload, (size_t)o->size, 0) == -1) {
            if (zmq_errno() == EAGAIN)
                die("send %ld of %ld: no peer took it within %ld ms", n + 1, o->count, o->timeout_ms);
            die("send: %s", zmq_strerror(zmq_errno()));
        }
    }
    free(payload);
}

/* Receives one [routing id, payload] message and checks its shape. */
static void receive_message(void *socket, zmq_msg_t *msg, const struct options *o, long n)
{
    if (receive_frame(msg, socket, "receive") != 0)
        die("message %ld of %ld did not arrive within %ld ms", n + 1, o->count, o->timeout_ms);
    if (!zmq_msg_more(msg))
        die("message %ld: routing id frame without a payload", n + 1);
    if (receive_frame(msg, socket, "receive") != 0)
        die("message %ld: payload frame missing", n + 1);
    if (zmq_msg_more(msg) || (long)zmq_msg_size(msg) != o->size)
        die("message %ld: expected one frame of %ld bytes, got %zu bytes%s",
            n + 1, o->size, zmq_msg_size(msg), zmq_msg_more(msg) ? " and more frames" : "");
}

static void run_receiver(void *socket, const struct options *o)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    receive_message(socket, &msg, o, 0);
    uint64_t start = now_ns();
    for (long n = 1; n < o->count; n++)
        receive_message(socket, &msg, o, n);
    uint64_t elapsed = now_ns() - start;
    zmq_msg_close(&msg);
    /* count - 1 messages arrived in the interval measured from the first one. */
    double seconds = (double)(elapsed ? elapsed : 1) / 1e9;
    double rate = (double)(o->count - 1) / seconds;
    printf("msgs/s=%.0f MB/s=%.1f count=%ld size=%ld\n", rate, rate * (double)o->size / 1e6, o->count, o->size);
}

int main(int argc, char **argv)
{
    struct options o = parse(argc, argv);
    void *context = zmq_ctx_new();
    void *socket = zmq_socket(context, o.send ? ZMQ_DEALER : ZMQ_ROUTER);
    apply_curve(socket, &o.curve);
    int timeout = (int)o.timeout_ms;
    set_int_option(socket, ZMQ_RCVTIMEO, timeout, "ZMQ_RCVTIMEO");
    set_int_option(socket, ZMQ_SNDTIMEO, timeout, "ZMQ_SNDTIMEO");
    /* The sender's close waits (bounded) until every queued message is on the wire. */
    set_int_option(socket, ZMQ_LINGER, o.send ? timeout : 0, "ZMQ_LINGER");
    attach(socket, o.bind, o.endpoint);
    if (o.send)
        run_sender(socket, &o);
    else
        run_receiver(socket, &o);
    zmq_close(socket);
    zmq_ctx_term(context);
    return 0;
}
