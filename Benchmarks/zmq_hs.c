/* CURVE handshake rate on libzmq: each connection is a new DEALER that connects to a CURVE
 * ROUTER echo (zmq_lat echo --curve-server, or ours), completes the handshake, does one round
 * trip and closes. Sequential (one at a time) or PARALLEL connections at once, in rounds. */

#include "bench_common.c"

static const char usage[] =
    "usage: zmq_hs --connect ENDPOINT --server-key Z85 [--count N] [--parallel P] [--size BYTES]\n"
    "              [--timeout-ms MS]\n";

struct options {
    const char *endpoint, *server_key;
    long count, parallel, size, timeout_ms;
};

static struct options parse(int argc, char **argv)
{
    struct options o = {.count = 1000, .parallel = 1, .size = 100, .timeout_ms = 10000};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--connect") == 0)
            o.endpoint = flag_value(argc, argv, &i);
        else if (strcmp(argv[i], "--server-key") == 0)
            o.server_key = z85_key("--server-key", flag_value(argc, argv, &i));
        else if (strcmp(argv[i], "--count") == 0)
            o.count = parse_long("--count", flag_value(argc, argv, &i), 1, 1L << 30);
        else if (strcmp(argv[i], "--parallel") == 0)
            o.parallel = parse_long("--parallel", flag_value(argc, argv, &i), 1, 10000);
        else if (strcmp(argv[i], "--size") == 0)
            o.size = parse_long("--size", flag_value(argc, argv, &i), 0, 1L << 20);
        else if (strcmp(argv[i], "--timeout-ms") == 0)
            o.timeout_ms = parse_long("--timeout-ms", flag_value(argc, argv, &i), 1, 1L << 30);
        else {
            fprintf(stderr, "zmq_hs: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    if (o.endpoint == NULL || o.server_key == NULL) {
        fputs(usage, stderr);
        exit(2);
    }
    return o;
}

static void *open_client(void *context, const struct options *o, const struct curve_options *curve)
{
    void *socket = zmq_socket(context, ZMQ_DEALER);
    if (socket == NULL)
        die("zmq_socket: %s", zmq_strerror(zmq_errno()));
    apply_curve(socket, curve);
    set_int_option(socket, ZMQ_LINGER, 0, "ZMQ_LINGER");
    set_int_option(socket, ZMQ_RCVTIMEO, (int)o->timeout_ms, "ZMQ_RCVTIMEO");
    check(zmq_connect(socket, o->endpoint), o->endpoint);
    return socket;
}

/* One round, the same in zmtp-perf hs: `width` connections opened together, each sends once;
 * then each echo is awaited in turn and checked byte for byte, and all are closed. */
static void run_round(void *context, long width, const char *payload, const struct options *o,
                      const struct curve_options *curve, void **sockets)
{
    for (long i = 0; i < width; i++) {
        sockets[i] = open_client(context, o, curve);
        /* Queued until the handshake completes: the echo proves the connection is usable. */
        check(zmq_send(sockets[i], payload, (size_t)o->size, 0), "send");
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long i = 0; i < width; i++) {
        if (receive_frame(&msg, sockets[i], "receive") != 0)
            die("connection %ld of %ld got no echo within %ld ms", i + 1, width, o->timeout_ms);
        if ((long)zmq_msg_size(&msg) != o->size || zmq_msg_more(&msg)
            || memcmp(zmq_msg_data(&msg), payload, (size_t)o->size) != 0)
            die("the echo differs from the %ld bytes sent", o->size);
    }
    zmq_msg_close(&msg);
    for (long i = 0; i < width; i++)
        zmq_close(sockets[i]);
}

int main(int argc, char **argv)
{
    struct options o = parse(argc, argv);
    char client_public[41], client_secret[41];
    check(zmq_curve_keypair(client_public, client_secret), "zmq_curve_keypair");
    struct curve_options curve = {.server_public = o.server_key, .client_public = client_public,
                                  .client_secret = client_secret};
    void *context = zmq_ctx_new();
    /* Closed sockets count until libzmq's reaper thread frees them: leave room for a round
     * still being reaped besides the one being opened. */
    check(zmq_ctx_set(context, ZMQ_MAX_SOCKETS, 2 * (int)o.parallel + 1024), "ZMQ_MAX_SOCKETS");
    char *payload = malloc((size_t)o.size + 1);
    void **sockets = calloc((size_t)o.parallel, sizeof *sockets);
    if (payload == NULL || sockets == NULL)
        die("cannot allocate %ld connections", o.parallel);
    for (long i = 0; i < o.size; i++)
        payload[i] = (char)(i * 7 + 1);

    /* A runner reads the echo server's CPU time when it sees this line, and after the result. */
    printf("TIMED\n");
    fflush(stdout);
    uint64_t start = now_ns(), cpu_start = cpu_ns();
    for (long done = 0; done < o.count;) {
        long width = o.count - done < o.parallel ? o.count - done : o.parallel;
        run_round(context, width, payload, &o, &curve, sockets);
        done += width;
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    printf("handshakes/s=%.0f seconds=%.3f cpu_us=%.2f count=%ld parallel=%ld\n", (double)o.count / seconds, seconds,
           (double)(cpu_ns() - cpu_start) / 1e3 / (double)o.count, o.count, o.parallel);

    free(sockets);
    free(payload);
    zmq_ctx_term(context);
    return 0;
}
