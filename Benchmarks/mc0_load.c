/* Load client for mc0 brokers on libzmq, used against mc0d and ref_broker alike so that the
 * broker rows of issue 6 (4a-c) compare the brokers and not two different clients. Each mode
 * opens many DEALER clients in one process, registers them with an acked CONNECT, then:
 *   noop    every client sends NOOPs with an ID, one at a time, each waiting for its OK;
 *   fanout  SUBSCRIBERS clients subscribe to one topic and one more client PUTs MESSAGES to it,
 *           never more than WINDOW messages ahead of the slowest subscriber, so no broker queue
 *           (HWM 1000) overflows and every loss is the broker's; with WINDOW 0, unpaced: as
 *           fast as the publisher's HWM lets it, so a loss is the broker's slow-reader policy;
 *   idle    the clients stay connected, silent, until stdin closes (the runner reads the
 *           broker's memory meanwhile). */

#include "bench_common.c"

#include <sys/epoll.h>
#include <unistd.h>

static const char usage[] =
    "usage: mc0_load noop   --connect EP [--server-key Z85] [--clients C (50)] [--count N (1000)]\n"
    "       mc0_load fanout --connect EP [--server-key Z85] [--subscribers S (100)] [--messages M (1000)]\n"
    "                       [--size BYTES (100)] [--window W (500; 0: unpaced)]\n"
    "       mc0_load idle   --connect EP [--server-key Z85] [--clients C (1000)] [--ttl-ms T (30000)]\n"
    "       common: [--parallel P (200): CONNECTs in flight] [--timeout-ms MS (30000): longest wait\n"
    "               without progress] [--broker-pid PID: also report the broker's CPU per operation]\n";

enum mode { NOOP, FANOUT, IDLE };

struct options {
    enum mode mode;
    const char *endpoint, *server_key;
    long clients, count, subscribers, messages, size, window, ttl_ms, parallel, timeout_ms, broker_pid;
};

static struct options parse(int argc, char **argv)
{
    struct options o = {.clients = -1, .count = 1000, .subscribers = 100, .messages = 1000, .size = 100,
                        .window = 500, .ttl_ms = 30000, .parallel = 200, .timeout_ms = 30000};
    if (argc < 2) {
        fputs(usage, stderr);
        exit(2);
    }
    if (strcmp(argv[1], "noop") == 0)
        o.mode = NOOP;
    else if (strcmp(argv[1], "fanout") == 0)
        o.mode = FANOUT;
    else if (strcmp(argv[1], "idle") == 0)
        o.mode = IDLE;
    else {
        fprintf(stderr, "mc0_load: unknown mode '%s'\n%s", argv[1], usage);
        exit(2);
    }
    for (int i = 2; i < argc; i++) {
        const char *flag = argv[i];
        if (strcmp(flag, "--connect") == 0)
            o.endpoint = flag_value(argc, argv, &i);
        else if (strcmp(flag, "--server-key") == 0)
            o.server_key = z85_key(flag, flag_value(argc, argv, &i));
        else if (strcmp(flag, "--clients") == 0)
            o.clients = parse_long(flag, flag_value(argc, argv, &i), 1, 60000);
        else if (strcmp(flag, "--count") == 0)
            o.count = parse_long(flag, flag_value(argc, argv, &i), 1, 1L << 30);
        else if (strcmp(flag, "--subscribers") == 0)
            o.subscribers = parse_long(flag, flag_value(argc, argv, &i), 1, 60000);
        else if (strcmp(flag, "--messages") == 0)
            o.messages = parse_long(flag, flag_value(argc, argv, &i), 1, 1L << 30);
        else if (strcmp(flag, "--size") == 0)
            o.size = parse_long(flag, flag_value(argc, argv, &i), 0, 1L << 24);
        else if (strcmp(flag, "--window") == 0)
            o.window = parse_long(flag, flag_value(argc, argv, &i), 0, 100000);
        else if (strcmp(flag, "--ttl-ms") == 0)
            o.ttl_ms = parse_long(flag, flag_value(argc, argv, &i), 100, 3600000);
        else if (strcmp(flag, "--parallel") == 0)
            o.parallel = parse_long(flag, flag_value(argc, argv, &i), 1, 60000);
        else if (strcmp(flag, "--timeout-ms") == 0)
            o.timeout_ms = parse_long(flag, flag_value(argc, argv, &i), 1, 1L << 30);
        else if (strcmp(flag, "--broker-pid") == 0)
            o.broker_pid = parse_long(flag, flag_value(argc, argv, &i), 1, 1L << 30);
        else {
            fprintf(stderr, "mc0_load: unknown argument '%s'\n%s", flag, usage);
            exit(2);
        }
    }
    if (o.endpoint == NULL) {
        fputs(usage, stderr);
        exit(2);
    }
    if (o.clients < 0)
        o.clients = o.mode == NOOP ? 50 : 1000;
    return o;
}

/* ---- frames ---- */

/* Sends a multipart message of NUL-terminated strings, the last of `count` with its own length. */
static int send_parts(void *socket, const char *const *parts, int count, size_t last_length, int flags)
{
    for (int i = 0; i < count; i++) {
        size_t length = i == count - 1 ? last_length : strlen(parts[i]);
        if (zmq_send(socket, parts[i], length, (i < count - 1 ? ZMQ_SNDMORE : 0) | flags) == -1)
            return -1;
    }
    return 0;
}

enum { MAX_KEPT = 8, KEPT_BYTES = 32 };

/* A received message: the frame count, the first MAX_KEPT frames' text (truncated, NUL-ended)
 * and the size of the last frame. */
struct reply {
    int frames;
    char text[MAX_KEPT][KEPT_BYTES];
    size_t last_size;
};

/* Receives one whole message without waiting: 1 if one came, 0 if none was ready. */
static int receive_reply(void *socket, struct reply *reply)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    reply->frames = 0;
    for (;;) {
        if (zmq_msg_recv(&msg, socket, reply->frames == 0 ? ZMQ_DONTWAIT : 0) == -1) {
            if (reply->frames == 0 && zmq_errno() == EAGAIN) {
                zmq_msg_close(&msg);
                return 0;
            }
            die("receive: %s", zmq_strerror(zmq_errno()));
        }
        size_t size = zmq_msg_size(&msg);
        if (reply->frames < MAX_KEPT) {
            size_t kept = size < KEPT_BYTES - 1 ? size : KEPT_BYTES - 1;
            memcpy(reply->text[reply->frames], zmq_msg_data(&msg), kept);
            reply->text[reply->frames][kept] = '\0';
        }
        reply->frames++;
        reply->last_size = size;
        if (!zmq_msg_more(&msg))
            break;
    }
    zmq_msg_close(&msg);
    return 1;
}

/* "" VERB ...: is this reply of the given verb? */
static int is_verb(const struct reply *reply, const char *verb)
{
    return reply->frames >= 2 && reply->text[0][0] == '\0' && strcmp(reply->text[1], verb) == 0;
}

/* An OK or ERROR for a request: OK returns 1, a broker heartbeat NOOP 0, anything else dies. */
static int expect_ok(const struct reply *reply, const char *what)
{
    if (is_verb(reply, "OK"))
        return 1;
    if (is_verb(reply, "NOOP"))
        return 0;
    die("%s: the broker answered %s %s %s", what, reply->frames > 1 ? reply->text[1] : "?",
        reply->frames > 2 ? reply->text[2] : "", reply->frames > 3 ? reply->text[3] : "");
}

/* ---- clients ---- */

struct load {
    struct options o;
    void *context;
    struct curve_options curve;
    void **sockets;
    long count;
};

static void *open_client(struct load *load)
{
    void *socket = zmq_socket(load->context, ZMQ_DEALER);
    if (socket == NULL)
        die("zmq_socket: %s (raise ulimit -n?)", zmq_strerror(zmq_errno()));
    apply_curve(socket, &load->curve);
    set_int_option(socket, ZMQ_LINGER, 0, "ZMQ_LINGER");
    check(zmq_connect(socket, load->o.endpoint), load->o.endpoint);
    return socket;
}

static void send_connect(void *socket, long ttl_ms)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    const char *parts[] = {"", "CONNECT", "VERSION", "0.3", "TTL", ttl, "ID", "connect"};
    check(send_parts(socket, parts, 8, strlen("connect"), 0), "send CONNECT");
}

/* Polls the sockets of `items` (count of them) until at least one is readable or the time
 * without progress runs out. */
static void wait_readable(zmq_pollitem_t *items, long count, const struct options *o, const char *what)
{
    int ready = check(zmq_poll(items, (int)count, o->timeout_ms), "zmq_poll");
    if (ready == 0)
        die("%s: nothing from the broker for %ld ms (%ld waiting)", what, o->timeout_ms, count);
}

/* Opens `count` clients and registers each with an acked CONNECT, at most o.parallel in flight.
 * Returns the seconds it took. */
static double connect_all(struct load *load, long count)
{
    const struct options *o = &load->o;
    load->sockets = calloc((size_t)count, sizeof *load->sockets);
    zmq_pollitem_t *items = calloc((size_t)o->parallel, sizeof *items);
    long *owner = calloc((size_t)o->parallel, sizeof *owner);
    if (load->sockets == NULL || items == NULL || owner == NULL)
        die("cannot allocate %ld clients", count);
    struct reply reply;
    uint64_t start = now_ns();
    long opened = 0, pending = 0;
    while (opened < count || pending > 0) {
        while (pending < o->parallel && opened < count) {
            void *socket = open_client(load);
            send_connect(socket, o->ttl_ms);
            load->sockets[opened] = socket;
            items[pending] = (zmq_pollitem_t){.socket = socket, .events = ZMQ_POLLIN};
            owner[pending++] = opened++;
        }
        wait_readable(items, pending, o, "CONNECT");
        for (long i = 0; i < pending;) {
            int done = 0;
            while (!done && receive_reply(items[i].socket, &reply))
                done = expect_ok(&reply, "CONNECT");
            if (done) { /* swap-remove: the poll set holds only clients still waiting */
                items[i] = items[--pending];
                owner[i] = owner[pending];
            } else {
                i++;
            }
        }
    }
    load->count = count;
    free(owner);
    free(items);
    return (double)(now_ns() - start) / 1e9;
}

/* ---- readiness of many sockets ---- */

/* The timed phases wait on one epoll set of the sockets' ZMQ_FDs instead of zmq_poll, which
 * asks every socket for its state and polls every descriptor on each call: with 100 or 1,000
 * clients that cost the client more than the broker it measures. A ZMQ_FD is readable while
 * the socket has unprocessed commands (a message arriving on an idle pipe is one); receiving
 * until EAGAIN processes them and clears it, so after every wake each reported socket is
 * drained until EAGAIN (level-triggered: a socket not drained is reported again). */
struct ready_set {
    int epoll;
    struct epoll_event *events;
    long capacity;
};

static struct ready_set ready_set_new(void **sockets, long count)
{
    struct ready_set set = {.epoll = epoll_create1(EPOLL_CLOEXEC), .capacity = count};
    set.events = calloc((size_t)count, sizeof *set.events);
    if (set.epoll == -1 || set.events == NULL)
        die("epoll for %ld sockets: %s", count, strerror(errno));
    for (long i = 0; i < count; i++) {
        int fd;
        size_t size = sizeof fd;
        check(zmq_getsockopt(sockets[i], ZMQ_FD, &fd, &size), "ZMQ_FD");
        struct epoll_event event = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        if (epoll_ctl(set.epoll, EPOLL_CTL_ADD, fd, &event) == -1)
            die("epoll_ctl: %s", strerror(errno));
    }
    return set;
}

/* Stops reporting a socket that is done (its commands would otherwise wake every wait). */
static void ready_set_remove(struct ready_set *set, void *socket)
{
    int fd;
    size_t size = sizeof fd;
    check(zmq_getsockopt(socket, ZMQ_FD, &fd, &size), "ZMQ_FD");
    epoll_ctl(set->epoll, EPOLL_CTL_DEL, fd, NULL);
}

/* Waits up to timeout_ms; returns how many sockets were reported, their indexes in
 * set->events[i].data.u64. */
static int ready_set_wait(struct ready_set *set, long timeout_ms)
{
    int ready = epoll_wait(set->epoll, set->events, (int)set->capacity, (int)timeout_ms);
    if (ready == -1 && errno != EINTR)
        die("epoll_wait: %s", strerror(errno));
    return ready < 0 ? 0 : ready;
}

static void ready_set_free(struct ready_set *set)
{
    close(set->epoll);
    free(set->events);
}

/* ---- CPU per operation ---- */

/* CPU seconds used so far by this process (all threads) and by the broker (0 without
 * --broker-pid), so that a row can say which side the work went to. */
struct cpu_mark {
    double self, broker;
};

static double broker_cpu(long pid)
{
    if (pid <= 0)
        return 0;
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *file = fopen(path, "r");
    if (file == NULL || fgets(line, sizeof line, file) == NULL)
        die("--broker-pid %ld: cannot read %s", pid, path);
    fclose(file);
    /* utime and stime are fields 14 and 15; the command name (field 2) may hold spaces. */
    unsigned long utime, stime;
    const char *rest = strrchr(line, ')');
    if (rest == NULL || sscanf(rest + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        die("--broker-pid %ld: cannot parse %s", pid, path);
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static struct cpu_mark cpu_mark(const struct options *o)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (struct cpu_mark){.self = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, .broker = broker_cpu(o->broker_pid)};
}

/* " broker_cpu_us=.. client_cpu_us=..": CPU microseconds per operation since `start`. */
static void print_cpu(const struct options *o, struct cpu_mark start, long operations)
{
    struct cpu_mark end = cpu_mark(o);
    double per = operations > 0 ? 1e6 / (double)operations : 0;
    if (o->broker_pid > 0)
        printf(" broker_cpu_us=%.3f", (end.broker - start.broker) * per);
    printf(" client_cpu_us=%.3f\n", (end.self - start.self) * per);
}

/* ---- modes ---- */

static double percentile_us(const uint64_t *sorted, long count, double p)
{
    long rank = (long)(p * (double)count + 0.999999);
    return (double)sorted[(rank < 1 ? 1 : rank) - 1] / 1000.0;
}

static void send_noop(void *socket)
{
    const char *parts[] = {"", "NOOP", "ID", "n"};
    check(send_parts(socket, parts, 4, 1, 0), "send NOOP");
}

/* Takes client c's replies until none is ready, sending its next NOOP after each OK. */
static void serve_noop(struct load *load, long c, uint64_t *sent_at, long *left, uint64_t *samples, long *taken,
                       struct ready_set *set)
{
    struct reply reply;
    while (left[c] > 0 && receive_reply(load->sockets[c], &reply)) {
        if (!expect_ok(&reply, "NOOP"))
            continue;
        uint64_t now = now_ns();
        samples[(*taken)++] = now - sent_at[c];
        if (--left[c] > 0) {
            sent_at[c] = now;
            send_noop(load->sockets[c]);
        } else {
            ready_set_remove(set, load->sockets[c]);
        }
    }
}

static void run_noop(struct load *load)
{
    const struct options *o = &load->o;
    long clients = load->count, total = clients * o->count;
    uint64_t *samples = malloc(sizeof *samples * (size_t)total);
    uint64_t *sent_at = calloc((size_t)clients, sizeof *sent_at);
    long *left = calloc((size_t)clients, sizeof *left);
    if (samples == NULL || sent_at == NULL || left == NULL)
        die("cannot allocate %ld samples", total);
    struct ready_set set = ready_set_new(load->sockets, clients);
    long taken = 0;
    struct cpu_mark cpu = cpu_mark(o);
    uint64_t start = now_ns();
    for (long c = 0; c < clients; c++) {
        left[c] = o->count;
        sent_at[c] = now_ns();
        send_noop(load->sockets[c]);
    }
    /* Once around all clients first: a reply may have been taken in while sending. */
    for (long c = 0; c < clients; c++)
        serve_noop(load, c, sent_at, left, samples, &taken, &set);
    while (taken < total) {
        int ready = ready_set_wait(&set, o->timeout_ms);
        if (ready == 0)
            die("NOOP: nothing from the broker for %ld ms (%ld of %ld round trips done)", o->timeout_ms, taken, total);
        for (int i = 0; i < ready; i++)
            serve_noop(load, (long)set.events[i].data.u64, sent_at, left, samples, &taken, &set);
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    qsort(samples, (size_t)total, sizeof *samples, compare_u64);
    printf("rtt/s=%.0f p50_us=%.1f p99_us=%.1f clients=%ld count=%ld", (double)total / seconds,
           percentile_us(samples, total, 0.50), percentile_us(samples, total, 0.99), clients, o->count);
    print_cpu(o, cpu, total);
    ready_set_free(&set);
    free(left);
    free(sent_at);
    free(samples);
}

/* Takes every delivery that is ready on subscriber s; returns how many came. */
static long drain(void *subscriber, long s, long *received, long size)
{
    struct reply reply;
    long got = 0;
    while (receive_reply(subscriber, &reply)) {
        if (is_verb(&reply, "NOOP"))
            continue;
        if (!is_verb(&reply, "MESSAGE") || (long)reply.last_size != size)
            die("subscriber %ld: expected a MESSAGE with a %ld-byte body, got %s (%d frames)", s, size,
                reply.frames > 1 ? reply.text[1] : "?", reply.frames);
        received[s]++;
        got++;
    }
    return got;
}

static void run_fanout(struct load *load)
{
    const struct options *o = &load->o;
    long subscribers = load->count - 1, expected = subscribers * o->messages;
    void **sockets = load->sockets, *publisher = sockets[subscribers];
    long *received = calloc((size_t)subscribers, sizeof *received);
    zmq_pollitem_t *items = calloc((size_t)subscribers, sizeof *items);
    char *body = calloc(1, (size_t)o->size + 1);
    if (received == NULL || items == NULL || body == NULL)
        die("cannot allocate %ld subscribers", subscribers);
    memset(body, 'b', (size_t)o->size);
    struct reply reply;
    /* Subscriptions, acked, before the first PUT. */
    for (long s = 0; s < subscribers; s++) {
        const char *parts[] = {"", "SUB", "ID", "sub", "", "bench"};
        check(send_parts(sockets[s], parts, 6, 5, 0), "send SUB");
        items[s] = (zmq_pollitem_t){.socket = sockets[s], .events = ZMQ_POLLIN};
    }
    for (long waiting = subscribers; waiting > 0;) {
        wait_readable(items, subscribers, o, "SUB");
        for (long s = 0; s < subscribers; s++) {
            if (items[s].events && (items[s].revents & ZMQ_POLLIN) && receive_reply(sockets[s], &reply)
                && expect_ok(&reply, "SUB")) {
                items[s].events = 0;
                waiting--;
            }
        }
    }
    /* Each SUB reply was taken alone: drain every subscriber until EAGAIN once, so that the
     * first delivery to each raises its ZMQ_FD (see ready_set). */
    for (long s = 0; s < subscribers; s++)
        drain(sockets[s], s, received, o->size);

    const char *put[] = {"", "PUT", "TOPIC", "bench", "", body};
    struct ready_set set = ready_set_new(sockets, subscribers);
    long sent = 0, delivered = 0, slowest = 0;
    struct cpu_mark cpu = cpu_mark(o);
    uint64_t start = now_ns(), last_progress = start, end = start;
    int ready = 0;
    while (delivered < expected) {
        /* The publisher runs ahead of the slowest subscriber by at most the window (if any). */
        while (sent < o->messages && (o->window == 0 || sent - slowest < o->window)) {
            if (send_parts(publisher, put, 6, (size_t)o->size, ZMQ_DONTWAIT) == -1) {
                if (zmq_errno() != EAGAIN)
                    die("send PUT: %s", zmq_strerror(zmq_errno()));
                break;
            }
            sent++;
        }
        long got = 0;
        for (int i = 0; i < ready; i++) {
            long s = (long)set.events[i].data.u64;
            got += drain(sockets[s], s, received, o->size);
        }
        uint64_t now = now_ns();
        if (got > 0) {
            delivered += got;
            last_progress = end = now;
            slowest = received[0];
            for (long s = 1; s < subscribers; s++)
                slowest = received[s] < slowest ? received[s] : slowest;
        } else if (now - last_progress > (uint64_t)o->timeout_ms * 1000000u) {
            break; /* lost: what never came is counted below */
        }
        /* Without a wait when something came: the publisher may send more now. */
        ready = ready_set_wait(&set, got > 0 ? 0 : 10);
    }
    double seconds = (double)(end - start) / 1e9;
    printf("deliveries/s=%.0f lost=%ld delivered=%ld subscribers=%ld messages=%ld size=%ld",
           seconds > 0 ? (double)delivered / seconds : 0.0, expected - delivered, delivered, subscribers,
           o->messages, o->size);
    print_cpu(o, cpu, delivered);
    ready_set_free(&set);
    free(body);
    free(items);
    free(received);
}

int main(int argc, char **argv)
{
    struct load load = {.o = parse(argc, argv)};
    const struct options *o = &load.o;
    char client_public[41], client_secret[41];
    if (o->server_key != NULL) {
        check(zmq_curve_keypair(client_public, client_secret), "zmq_curve_keypair");
        load.curve = (struct curve_options){.server_public = o->server_key, .client_public = client_public,
                                            .client_secret = client_secret};
    }
    long clients = o->mode == FANOUT ? o->subscribers + 1 : o->clients;
    load.context = zmq_ctx_new();
    check(zmq_ctx_set(load.context, ZMQ_MAX_SOCKETS, (int)clients + 64), "ZMQ_MAX_SOCKETS");
    double connect_seconds = connect_all(&load, clients);
    if (o->mode == NOOP) {
        run_noop(&load);
    } else if (o->mode == FANOUT) {
        run_fanout(&load);
    } else {
        printf("connected=%ld seconds=%.3f\n", clients, connect_seconds);
        fflush(stdout);
        char buffer[256];
        while (read(0, buffer, sizeof buffer) > 0) {
        }
    }
    for (long c = 0; c < load.count; c++)
        zmq_close(load.sockets[c]);
    free(load.sockets);
    zmq_ctx_term(load.context);
    return 0;
}
