/* Socket-pattern peer on libzmq, the twin of `zmtp-perf pattern`:
 *   pub  XPUB (verbose) waits for --subscribers subscriptions, then publishes COUNT messages
 *   sub  SUB to everything, times COUNT messages from the first to the last
 *   push PUSH sends COUNT messages; pull PULL times them
 *   req  REQ times COUNT round trips after --warmup ones, as zmq_lat ping; rep REP echoes until
 *        SIGTERM, as zmq_lat echo
 * Senders print their CPU per message, receivers their rate and CPU per message, as zmq_thr.
 * High-water marks are raised above COUNT so that no publisher drops: the rows compare
 * delivery, not loss. */

#include "bench_common.c"

static const char usage[] =
    "usage: zmq_pattern pub|sub|push|pull (--bind|--connect) ENDPOINT --size BYTES --count N [--subscribers N]\n"
    "                   [--curve-server SECRET | --curve-client SERVERPUB PUB SECRET] [--timeout-ms MS]\n"
    "       zmq_pattern req (--bind|--connect) ENDPOINT --size BYTES --count N [--warmup N] [--spin] [...]\n"
    "       zmq_pattern rep (--bind|--connect) ENDPOINT [--spin] [...]\n";

static const char *const modes[] = {"pub", "sub", "push", "pull", "req", "rep"};
static const int types[] = {ZMQ_XPUB, ZMQ_SUB, ZMQ_PUSH, ZMQ_PULL, ZMQ_REQ, ZMQ_REP};

struct options {
    int mode;
    long subscribers;
    struct peer_options peer;
};

static struct options parse(int argc, char **argv)
{
    struct options o = {.mode = -1, .subscribers = 1, .peer = PEER_OPTIONS_DEFAULT};
    for (int m = 0; argc > 1 && m < 6; m++)
        if (strcmp(argv[1], modes[m]) == 0)
            o.mode = m;
    if (o.mode < 0) {
        fputs(usage, stderr);
        exit(2);
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--subscribers") == 0) {
            o.subscribers = parse_long("--subscribers", flag_value(argc, argv, &i), 1, 1L << 20);
        } else if (!parse_peer_flag(argc, argv, &i, &o.peer)) {
            fprintf(stderr, "zmq_pattern: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    /* A receiver times from its first message: it needs two at least. */
    long fewest = types[o.mode] == ZMQ_REQ ? 1 : 2;
    if (o.peer.endpoint == NULL || (types[o.mode] != ZMQ_REP && (o.peer.size < 0 || o.peer.count < fewest))) {
        fputs(usage, stderr);
        exit(2);
    }
    return o;
}

static void send_all(void *socket, const struct peer_options *o)
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
            die("subscription %ld of %ld did not arrive within %ld ms", n + 1, o->subscribers, o->peer.timeout_ms);
    zmq_msg_close(&msg);
}

static void receive_all(void *socket, const struct peer_options *o)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    uint64_t start = 0, cpu_start = 0;
    for (long n = 0; n < o->count; n++) {
        if (receive_frame(&msg, socket, "receive") != 0)
            die("message %ld of %ld did not arrive within %ld ms", n + 1, o->count, o->timeout_ms);
        if (zmq_msg_more(&msg) || (long)zmq_msg_size(&msg) != o->size)
            die("message %ld: expected one frame of %ld bytes", n + 1, o->size);
        if (n == 0) {
            start = now_ns();
            cpu_start = cpu_ns();
        }
    }
    uint64_t elapsed = now_ns() - start, cpu = cpu_ns() - cpu_start;
    zmq_msg_close(&msg);
    print_rate(o->count, o->size, elapsed, cpu);
}

int main(int argc, char **argv)
{
    uint64_t cpu_start = cpu_ns();
    struct options o = parse(argc, argv);
    int type = types[o.mode];
    int sender = type == ZMQ_XPUB || type == ZMQ_PUSH;
    void *context = zmq_ctx_new();
    void *socket = zmq_socket(context, type);
    apply_curve(socket, &o.peer.curve);
    int timeout = (int)o.peer.timeout_ms;
    if (type != ZMQ_REP) {
        int hwm = (int)o.peer.count + 16;
        set_int_option(socket, ZMQ_SNDHWM, hwm, "ZMQ_SNDHWM");
        set_int_option(socket, ZMQ_RCVHWM, hwm, "ZMQ_RCVHWM");
        spin_timeout_ms = o.peer.timeout_ms;
        set_int_option(socket, ZMQ_RCVTIMEO, timeout, "ZMQ_RCVTIMEO");
        set_int_option(socket, ZMQ_SNDTIMEO, timeout, "ZMQ_SNDTIMEO");
    }
    /* A sender's close waits (bounded) until every queued message is on the wire. */
    set_int_option(socket, ZMQ_LINGER, sender ? timeout : 0, "ZMQ_LINGER");
    if (type == ZMQ_XPUB)
        set_int_option(socket, ZMQ_XPUB_VERBOSE, 1, "ZMQ_XPUB_VERBOSE");
    if (type == ZMQ_SUB)
        check(zmq_setsockopt(socket, ZMQ_SUBSCRIBE, "", 0), "ZMQ_SUBSCRIBE");
    attach(socket, o.peer.bind, o.peer.endpoint);
    if (type == ZMQ_XPUB)
        await_subscribers(socket, &o);
    if (sender)
        send_all(socket, &o.peer);
    else if (type == ZMQ_SUB || type == ZMQ_PULL)
        receive_all(socket, &o.peer);
    else if (type == ZMQ_REQ)
        run_round_trips(socket, &o.peer);
    else
        run_echo(socket);
    zmq_close(socket);
    zmq_ctx_term(context);
    if (sender)
        print_sender_cpu(cpu_start, o.peer.count, o.peer.size);
    return 0;
}
