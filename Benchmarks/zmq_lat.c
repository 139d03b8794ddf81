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
    long backlog;
    struct peer_options peer;
};

static struct options parse(int argc, char **argv)
{
    struct options o = {.backlog = -1, .peer = PEER_OPTIONS_DEFAULT};
    if (argc < 2 || (strcmp(argv[1], "echo") != 0 && strcmp(argv[1], "ping") != 0)) {
        fputs(usage, stderr);
        exit(2);
    }
    o.ping = strcmp(argv[1], "ping") == 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--backlog") == 0) {
            o.backlog = parse_long("--backlog", flag_value(argc, argv, &i), 1, 1L << 20);
        } else if (!parse_peer_flag(argc, argv, &i, &o.peer)) {
            fprintf(stderr, "zmq_lat: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    if (o.peer.endpoint == NULL || (o.ping && (o.peer.size < 0 || o.peer.count < 0))) {
        fputs(usage, stderr);
        exit(2);
    }
    return o;
}

int main(int argc, char **argv)
{
    struct options o = parse(argc, argv);
    void *context = zmq_ctx_new();
    void *socket = zmq_socket(context, o.ping ? ZMQ_DEALER : ZMQ_ROUTER);
    apply_curve(socket, &o.peer.curve);
    set_int_option(socket, ZMQ_LINGER, 0, "ZMQ_LINGER");
    if (o.ping) {
        spin_timeout_ms = o.peer.timeout_ms;
        set_int_option(socket, ZMQ_RCVTIMEO, (int)o.peer.timeout_ms, "ZMQ_RCVTIMEO");
        set_int_option(socket, ZMQ_SNDTIMEO, (int)o.peer.timeout_ms, "ZMQ_SNDTIMEO");
    }
    if (o.backlog > 0)
        set_int_option(socket, ZMQ_BACKLOG, (int)o.backlog, "ZMQ_BACKLOG");
    attach(socket, o.peer.bind, o.peer.endpoint);
    if (o.ping)
        run_round_trips(socket, &o.peer);
    else
        run_echo(socket);
    zmq_close(socket);
    zmq_ctx_term(context);
    return 0;
}
