/* Throughput peer on libzmq: a DEALER sends COUNT messages of SIZE bytes to a DEALER, which
 * times them from the first to the last and prints the rate. Either side may bind. Each
 * message carries its sequence number, which the receiver checks. */

#include "bench_common.c"

#include <pthread.h>

static const char usage[] =
    "usage: zmq_thr send|recv (--bind|--connect) ENDPOINT --size BYTES --count N [--zero-copy]\n"
    "               [--curve-server SECRET | --curve-client SERVERPUB PUB SECRET] [--timeout-ms MS]\n";

struct options {
    int send;
    int bind;
    int zero_copy;
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
            o.size = parse_long("--size", flag_value(argc, argv, &i), 8, 1L << 30);
        } else if (strcmp(argv[i], "--count") == 0) {
            o.count = parse_long("--count", flag_value(argc, argv, &i), 2, 1L << 40);
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            o.timeout_ms = parse_long("--timeout-ms", flag_value(argc, argv, &i), 1, 1L << 30);
        } else if (strcmp(argv[i], "--zero-copy") == 0) {
            o.zero_copy = 1;
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

/* Buffers for zero-copy sends: libzmq frees one (on its I/O thread) once it is on the wire,
 * and the sender takes it again for a later message, so no message is copied or allocated
 * once the pool has grown to what is in flight. */
struct pool {
    pthread_mutex_t lock;
    void **free;
    long count, capacity;
};

static void pool_release(void *data, void *hint)
{
    struct pool *pool = hint;
    pthread_mutex_lock(&pool->lock);
    if (pool->count == pool->capacity) {
        pool->capacity = pool->capacity ? 2 * pool->capacity : 64;
        pool->free = realloc(pool->free, sizeof *pool->free * (size_t)pool->capacity);
        if (pool->free == NULL)
            die("cannot grow the buffer pool");
    }
    pool->free[pool->count++] = data;
    pthread_mutex_unlock(&pool->lock);
}

static void *pool_take(struct pool *pool, size_t size)
{
    pthread_mutex_lock(&pool->lock);
    void *data = pool->count > 0 ? pool->free[--pool->count] : NULL;
    pthread_mutex_unlock(&pool->lock);
    if (data == NULL) {
        data = malloc(size);
        if (data == NULL)
            die("cannot allocate %zu bytes", size);
        memset(data, 'm', size);
    }
    return data;
}

static void run_sender(void *socket, const struct options *o)
{
    char *payload = malloc((size_t)o->size);
    /* Static: libzmq releases the last buffers during zmq_ctx_term, after this returns. */
    static struct pool pool = {.lock = PTHREAD_MUTEX_INITIALIZER};
    if (payload == NULL)
        die("cannot allocate %ld bytes", o->size);
    memset(payload, 'm', (size_t)o->size);
    for (long n = 0; n < o->count; n++) {
        int rc;
        if (o->zero_copy) {
            zmq_msg_t msg;
            void *data = pool_take(&pool, (size_t)o->size);
            put_sequence(data, (uint64_t)n);
            zmq_msg_init_data(&msg, data, (size_t)o->size, pool_release, &pool);
            rc = zmq_msg_send(&msg, socket, 0);
            if (rc == -1)
                zmq_msg_close(&msg);
        } else {
            put_sequence(payload, (uint64_t)n);
            rc = zmq_send(socket, payload, (size_t)o->size, 0);
        }
        if (rc == -1) {
            if (zmq_errno() == EAGAIN)
                die("send %ld of %ld: no peer took it within %ld ms", n + 1, o->count, o->timeout_ms);
            die("send: %s", zmq_strerror(zmq_errno()));
        }
    }
    free(payload);
}

/* Receives message n and checks its size and sequence number. */
static void receive_message(void *socket, zmq_msg_t *msg, const struct options *o, long n)
{
    if (receive_frame(msg, socket, "receive") != 0)
        die("message %ld of %ld did not arrive within %ld ms", n + 1, o->count, o->timeout_ms);
    if (zmq_msg_more(msg) || (long)zmq_msg_size(msg) != o->size)
        die("message %ld: expected one frame of %ld bytes, got %zu bytes%s",
            n + 1, o->size, zmq_msg_size(msg), zmq_msg_more(msg) ? " and more frames" : "");
    if (get_sequence(zmq_msg_data(msg)) != (uint64_t)n)
        die("message %ld: sequence number %llu", n + 1, (unsigned long long)get_sequence(zmq_msg_data(msg)));
}

static void run_receiver(void *socket, const struct options *o)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    receive_message(socket, &msg, o, 0);
    uint64_t start = now_ns(), cpu_start = cpu_ns();
    for (long n = 1; n < o->count; n++)
        receive_message(socket, &msg, o, n);
    uint64_t elapsed = now_ns() - start, cpu = cpu_ns() - cpu_start;
    zmq_msg_close(&msg);
    print_rate(o->count, o->size, elapsed, cpu);
}

int main(int argc, char **argv)
{
    struct options o = parse(argc, argv);
    uint64_t cpu_start = cpu_ns();
    void *context = zmq_ctx_new();
    void *socket = zmq_socket(context, ZMQ_DEALER);
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
    if (o.send)
        print_sender_cpu(cpu_start, o.count, o.size);
    return 0;
}
