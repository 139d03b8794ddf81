/* Load client for mc0 brokers on libzmq, used against mc0d and ref_broker alike so that the
 * broker rows of issue 6 (4a-c) compare the brokers and not two different clients. Each mode
 * opens many DEALER clients in one process, registers them with an acked CONNECT, then:
 *   noop    every client sends NOOPs with an ID, one at a time, each waiting for its OK;
 *   fanout  SUBSCRIBERS clients subscribe to one topic and one more client PUTs MESSAGES to it,
 *           never more than WINDOW messages ahead of the slowest subscriber, so no broker queue
 *           (HWM 1000) overflows and every loss is the broker's; with WINDOW 0, unpaced: as
 *           fast as the publisher's HWM lets it, so a loss is the broker's slow-reader policy;
 *   idle    the clients stay connected, silent, until stdin closes (the runner reads the
 *           broker's memory meanwhile), subscribed as MCollective nodes on a line from stdin
 *           with --subscribe; with --parallel as large as --clients they all connect
 *           at once, a reconnect storm;
 *   steady  every client sends an acked NOOP every INTERVAL ms until stdin closes, timing each
 *           round trip: what connected clients see while a storm of others connects. */

#include "bench_common.c"

#include <dirent.h>
#include <sys/epoll.h>
#include <unistd.h>

static const char usage[] =
    "usage: mc0_load noop   --connect EP [--server-key Z85] [--clients C (50)] [--count N (1000)]\n"
    "       mc0_load fanout --connect EP [--server-key Z85] [--subscribers S (100)] [--messages M (1000)]\n"
    "                       [--size BYTES (100)] [--window W (500; 0: unpaced)]\n"
    "       mc0_load idle   --connect EP [--server-key Z85] [--clients C (1000)] [--ttl-ms T (30000)] [--subscribe]\n"
    "       mc0_load steady --connect EP [--server-key Z85] [--clients C (50)] [--interval-ms I (10)]\n"
    "       common: [--parallel P (200): CONNECTs in flight] [--timeout-ms MS (30000): longest wait\n"
    "               without progress] [--broker-pid PID: also report the broker's CPU per operation]\n"
    "               [--sources A,B,..: connect from these local IPv4 addresses in turn]\n";

enum mode { NOOP, FANOUT, IDLE, STEADY };

enum { MAX_SOURCES = 64 };

struct options {
    enum mode mode;
    const char *endpoint, *server_key;
    long clients, count, subscribers, messages, size, window, ttl_ms, parallel, timeout_ms, broker_pid, interval_ms;
    int subscribe;
    char *sources[MAX_SOURCES];
    int source_count;
};

/* --sources: a comma-separated list of addresses, split in place. */
static void parse_sources(struct options *o, char *list)
{
    for (char *next = strtok(list, ","); next != NULL; next = strtok(NULL, ",")) {
        if (o->source_count == MAX_SOURCES)
            die("--sources: at most %d addresses", MAX_SOURCES);
        o->sources[o->source_count++] = next;
    }
    if (o->source_count == 0)
        die("--sources: expected addresses separated by commas");
}

static struct options parse(int argc, char **argv)
{
    struct options o = {.clients = -1, .count = 1000, .subscribers = 100, .messages = 1000, .size = 100,
                        .window = 500, .ttl_ms = 30000, .parallel = 200, .timeout_ms = 30000, .interval_ms = 10};
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
    else if (strcmp(argv[1], "steady") == 0)
        o.mode = STEADY;
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
        else if (strcmp(flag, "--interval-ms") == 0)
            o.interval_ms = parse_long(flag, flag_value(argc, argv, &i), 1, 3600000);
        else if (strcmp(flag, "--subscribe") == 0)
            o.subscribe = 1;
        else if (strcmp(flag, "--sources") == 0) {
            flag_value(argc, argv, &i);
            parse_sources(&o, argv[i]); /* split in place: argv's strings are writable */
        }
        else {
            fprintf(stderr, "mc0_load: unknown argument '%s'\n%s", flag, usage);
            exit(2);
        }
    }
    if (o.endpoint == NULL) {
        fputs(usage, stderr);
        exit(2);
    }
    if (o.source_count > 0 && strncmp(o.endpoint, "tcp://", 6) != 0)
        die("--sources needs a tcp:// endpoint, got '%s'", o.endpoint);
    if (o.clients < 0)
        o.clients = o.mode == NOOP || o.mode == STEADY ? 50 : 1000;
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

/* ---- readiness of many sockets ---- */

/* Every wait is on one epoll set of the sockets' ZMQ_FDs instead of zmq_poll, which asks
 * every socket for its state and polls every descriptor on each call: with thousands of
 * clients that cost the client more than the broker it measures. A ZMQ_FD is readable while
 * the socket has unprocessed commands; a message arriving on a pipe that its reader found
 * empty is one, so a socket is drained until EAGAIN once when it is added and after every
 * wake that reports it (level-triggered: a socket not drained is reported again). */
struct ready_set {
    int epoll;
    struct epoll_event *events;
    long capacity;
};

/* The tag of stdin in a ready set: closing it ends the idle and steady modes. */
static const uint64_t STDIN_TAG = UINT64_MAX;

static void ready_set_watch(struct ready_set *set, int fd, uint64_t tag)
{
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = tag};
    if (epoll_ctl(set->epoll, EPOLL_CTL_ADD, fd, &event) == -1)
        die("epoll_ctl: %s", strerror(errno));
}

static int socket_fd(void *socket)
{
    int fd;
    size_t size = sizeof fd;
    check(zmq_getsockopt(socket, ZMQ_FD, &fd, &size), "ZMQ_FD");
    return fd;
}

/* An empty set for up to `capacity` sockets (and stdin). */
static struct ready_set ready_set_new(long capacity)
{
    struct ready_set set = {.epoll = epoll_create1(EPOLL_CLOEXEC), .capacity = capacity + 1};
    set.events = calloc((size_t)set.capacity, sizeof *set.events);
    if (set.epoll == -1 || set.events == NULL)
        die("epoll for %ld sockets: %s", capacity, strerror(errno));
    return set;
}

/* A set of sockets[0..count), each reported with its index. */
static struct ready_set ready_set_of(void **sockets, long count)
{
    struct ready_set set = ready_set_new(count);
    for (long i = 0; i < count; i++)
        ready_set_watch(&set, socket_fd(sockets[i]), (uint64_t)i);
    return set;
}

/* Stops reporting a socket that is done (its commands would otherwise wake every wait). */
static void ready_set_remove(struct ready_set *set, void *socket)
{
    epoll_ctl(set->epoll, EPOLL_CTL_DEL, socket_fd(socket), NULL);
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

/* Reads what the runner wrote on stdin; 0 once it is closed. */
static int stdin_open(void)
{
    char buffer[256];
    return read(0, buffer, sizeof buffer) > 0;
}

/* ---- clients ---- */

struct load {
    struct options o;
    void *context;
    struct curve_options curve;
    void **sockets;
    long count;
    char *endpoints[MAX_SOURCES]; /* "tcp://SOURCE:0;HOST:PORT" per --sources address */
};

/* With --sources, client i connects from source i mod count, with a port the kernel picks
 * (libzmq's "tcp://SOURCE:PORT;DESTINATION" syntax): each local address has its own ephemeral
 * ports, so many addresses hold more connections than one. */
static void make_endpoints(struct load *load)
{
    const struct options *o = &load->o;
    for (int i = 0; i < o->source_count; i++) {
        size_t size = strlen(o->sources[i]) + strlen(o->endpoint) + 16;
        load->endpoints[i] = malloc(size);
        if (load->endpoints[i] == NULL)
            die("out of memory");
        snprintf(load->endpoints[i], size, "tcp://%s:0;%s", o->sources[i], o->endpoint + strlen("tcp://"));
    }
}

static void *open_client(struct load *load, long index)
{
    const struct options *o = &load->o;
    void *socket = zmq_socket(load->context, ZMQ_DEALER);
    if (socket == NULL)
        die("zmq_socket: %s (raise ulimit -n?)", zmq_strerror(zmq_errno()));
    apply_curve(socket, &load->curve);
    set_int_option(socket, ZMQ_LINGER, 0, "ZMQ_LINGER");
    const char *endpoint = o->source_count > 0 ? load->endpoints[index % o->source_count] : o->endpoint;
    check(zmq_connect(socket, endpoint), endpoint);
    return socket;
}

static void send_connect(void *socket, long ttl_ms)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    const char *parts[] = {"", "CONNECT", "VERSION", "0.3", "TTL", ttl, "ID", "connect"};
    check(send_parts(socket, parts, 8, strlen("connect"), 0), "send CONNECT");
}

/* Takes every reply waiting on a client that sent a request (until EAGAIN, see ready_set);
 * 1 when its OK was among them. */
static int take_ok(void *socket, const char *what)
{
    struct reply reply;
    int ok = 0;
    while (receive_reply(socket, &reply))
        ok |= expect_ok(&reply, what);
    return ok;
}

/* Opens client i and sends its CONNECT. */
static void open_and_connect(struct load *load, long i)
{
    load->sockets[i] = open_client(load, i);
    load->count = i + 1;
    send_connect(load->sockets[i], load->o.ttl_ms);
}

/* The topics of an MCollective node: one per agent, shared by every node, and its own. */
static const char *const AGENT_TOPICS[] = {
    "mcollective rpcutil", "mcollective discovery", "mcollective package", "mcollective service",
    "mcollective puppet", "mcollective filemgr", "mcollective nettest", "mcollective process",
    "mcollective shell", "mcollective inventory"};
enum { AGENTS = sizeof AGENT_TOPICS / sizeof *AGENT_TOPICS, NODE_TOPICS = AGENTS + 1 };

/* Sends client i's SUB to its node's topics (its own named after this process and i). */
static void subscribe_node(struct load *load, long i)
{
    char own[64];
    snprintf(own, sizeof own, "mcollective nodes node%ld-%ld.example.com", (long)getpid(), i);
    const char *parts[5 + NODE_TOPICS] = {"", "SUB", "ID", "sub", ""};
    memcpy(parts + 5, AGENT_TOPICS, sizeof AGENT_TOPICS);
    parts[5 + AGENTS] = own;
    check(send_parts(load->sockets[i], parts, 5 + NODE_TOPICS, strlen(own), 0), "send SUB");
}

/* Makes `count` requests, request(load, i) for client i, each answered by an OK, at most
 * o.parallel awaiting theirs. Returns how many got their OK: all, or fewer when --timeout-ms
 * passed without one, or (with watch_stdin) when stdin closed first. *seconds is the time from
 * the start to the last OK. */
static long request_all(struct load *load, long count, void (*request)(struct load *, long), const char *what,
                        int watch_stdin, double *seconds)
{
    const struct options *o = &load->o;
    struct ready_set set = ready_set_new(count);
    if (watch_stdin)
        ready_set_watch(&set, 0, STDIN_TAG);
    uint64_t start = now_ns(), last = start;
    long sent = 0, done = 0;
    int stdin_live = 1;
    while (done < count && stdin_live) {
        long done_before = done;
        for (; sent - done < o->parallel && sent < count; sent++) {
            request(load, sent);
            void *socket = load->sockets[sent];
            ready_set_watch(&set, socket_fd(socket), (uint64_t)sent);
            if (take_ok(socket, what)) { /* the drain that makes the OK raise ZMQ_FD */
                ready_set_remove(&set, socket);
                done++;
            }
        }
        int ready = ready_set_wait(&set, o->timeout_ms);
        if (ready == 0)
            break;
        for (int i = 0; i < ready; i++) {
            uint64_t tag = set.events[i].data.u64;
            if (tag == STDIN_TAG) {
                stdin_live = stdin_open();
            } else if (take_ok(load->sockets[tag], what)) {
                ready_set_remove(&set, load->sockets[tag]);
                done++;
            }
        }
        if (done > done_before)
            last = now_ns();
    }
    ready_set_free(&set);
    *seconds = (double)(last - start) / 1e9;
    return done;
}

/* Opens `count` clients and registers each with an acked CONNECT (request_all). */
static long connect_all(struct load *load, long count, int watch_stdin, double *seconds)
{
    load->sockets = calloc((size_t)count, sizeof *load->sockets);
    if (load->sockets == NULL)
        die("cannot allocate %ld clients", count);
    return request_all(load, count, open_and_connect, "CONNECT", watch_stdin, seconds);
}

/* connect_all for the modes that need every client. */
static void connect_every_client(struct load *load, long count)
{
    double seconds;
    long connected = connect_all(load, count, 0, &seconds);
    if (connected < count)
        die("CONNECT: %ld of %ld clients without an OK after %ld ms without progress", count - connected, count,
            load->o.timeout_ms);
}

/* ---- CPU per operation ---- */

/* CPU seconds used so far by this process (all threads) and by the broker (0 without
 * --broker-pid), so that a row can say which side the work went to. */
struct cpu_mark {
    double self, broker;
};

/* The broker's CPU seconds at nanosecond resolution: the sum over its threads of the first
 * field of /proc/PID/task/TID/schedstat (time on a CPU, in ns). Its threads live as long as it
 * does, so none of their time is lost between two readings. */
static double broker_cpu(long pid)
{
    if (pid <= 0)
        return 0;
    char path[96];
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *tasks = opendir(path);
    if (tasks == NULL)
        die("--broker-pid %ld: cannot open %s", pid, path);
    unsigned long long total = 0;
    struct dirent *entry;
    while ((entry = readdir(tasks)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%ld/task/%.20s/schedstat", pid, entry->d_name);
        FILE *file = fopen(path, "r");
        unsigned long long ns;
        if (file == NULL)
            continue; /* a thread that ended since readdir */
        if (fscanf(file, "%llu", &ns) == 1)
            total += ns;
        fclose(file);
    }
    closedir(tasks);
    return (double)total / 1e9;
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
    struct ready_set set = ready_set_of(load->sockets, clients);
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

/* Sends subscriber i's SUB to the fan-out topic. */
static void subscribe_bench(struct load *load, long i)
{
    const char *parts[] = {"", "SUB", "ID", "sub", "", "bench"};
    check(send_parts(load->sockets[i], parts, 6, strlen("bench"), 0), "send SUB");
}

static void run_fanout(struct load *load)
{
    const struct options *o = &load->o;
    long subscribers = load->count - 1, expected = subscribers * o->messages;
    void **sockets = load->sockets, *publisher = sockets[subscribers];
    long *received = calloc((size_t)subscribers, sizeof *received);
    char *body = calloc(1, (size_t)o->size + 1);
    if (received == NULL || body == NULL)
        die("cannot allocate %ld subscribers", subscribers);
    memset(body, 'b', (size_t)o->size);
    /* Subscriptions, acked, before the first PUT. */
    double sub_seconds;
    if (request_all(load, subscribers, subscribe_bench, "SUB", 0, &sub_seconds) < subscribers)
        die("SUB: not every subscriber got its OK within %ld ms without progress", o->timeout_ms);

    const char *put[] = {"", "PUT", "TOPIC", "bench", "", body};
    struct ready_set set = ready_set_of(sockets, subscribers);
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
    free(received);
}

/* Round-trip samples that grow as they come. */
struct samples {
    uint64_t *ns;
    long count, capacity;
};

static void add_sample(struct samples *samples, uint64_t ns)
{
    if (samples->count == samples->capacity) {
        samples->capacity = samples->capacity ? 2 * samples->capacity : 4096;
        samples->ns = realloc(samples->ns, sizeof *samples->ns * (size_t)samples->capacity);
        if (samples->ns == NULL)
            die("cannot allocate %ld samples", samples->capacity);
    }
    samples->ns[samples->count++] = ns;
}

struct steady {
    uint64_t *sent_at; /* of the NOOP awaiting its OK, 0 when none is */
    uint64_t *next_at;
    struct samples samples;
    long errors;
};

/* Takes client c's replies until none is ready: an OK ends its round trip, an ERROR counts. */
static void serve_steady(struct load *load, long c, struct steady *st)
{
    struct reply reply;
    while (receive_reply(load->sockets[c], &reply)) {
        if (is_verb(&reply, "NOOP"))
            continue;
        if (!is_verb(&reply, "OK"))
            st->errors++;
        else if (st->sent_at[c] != 0)
            add_sample(&st->samples, now_ns() - st->sent_at[c]);
        st->sent_at[c] = 0;
    }
}

/* Every client sends NOOP ID n and waits for its OK; its next NOOP goes INTERVAL after the
 * previous one was sent, or on the OK when that comes later. Until stdin closes; a NOOP still
 * unanswered then counts with its age, so that a stalled client shows in the percentiles. */
static void run_steady(struct load *load)
{
    const struct options *o = &load->o;
    long clients = load->count;
    uint64_t interval = (uint64_t)o->interval_ms * 1000000u;
    struct steady st = {.sent_at = calloc((size_t)clients, sizeof(uint64_t)),
                        .next_at = calloc((size_t)clients, sizeof(uint64_t))};
    if (st.sent_at == NULL || st.next_at == NULL)
        die("cannot allocate %ld clients", clients);
    struct ready_set set = ready_set_of(load->sockets, clients);
    ready_set_watch(&set, 0, STDIN_TAG);
    uint64_t start = now_ns();
    for (long c = 0; c < clients; c++) /* spread over one interval, not all at once */
        st.next_at[c] = start + interval * (uint64_t)c / (uint64_t)clients;
    for (int stdin_live = 1; stdin_live;) {
        uint64_t now = now_ns(), wake = now + 1000000000u;
        for (long c = 0; c < clients; c++) {
            if (st.sent_at[c] != 0)
                continue;
            if (st.next_at[c] <= now) {
                st.sent_at[c] = now;
                st.next_at[c] = now + interval;
                send_noop(load->sockets[c]);
                serve_steady(load, c, &st); /* the drain after a send (see ready_set) */
            } else if (st.next_at[c] < wake) {
                wake = st.next_at[c];
            }
        }
        int ready = ready_set_wait(&set, (long)((wake - now + 999999) / 1000000));
        for (int i = 0; i < ready; i++) {
            uint64_t tag = set.events[i].data.u64;
            if (tag == STDIN_TAG)
                stdin_live = stdin_open();
            else
                serve_steady(load, (long)tag, &st);
        }
    }
    uint64_t end = now_ns();
    long unanswered = 0;
    for (long c = 0; c < clients; c++) {
        if (st.sent_at[c] != 0) {
            add_sample(&st.samples, end - st.sent_at[c]);
            unanswered++;
        }
    }
    long n = st.samples.count;
    qsort(st.samples.ns, (size_t)n, sizeof *st.samples.ns, compare_u64);
    printf("rtt=%ld p50_us=%.1f p99_us=%.1f max_us=%.1f unanswered=%ld errors=%ld clients=%ld interval_ms=%ld\n", n,
           n ? percentile_us(st.samples.ns, n, 0.50) : 0.0, n ? percentile_us(st.samples.ns, n, 0.99) : 0.0,
           n ? (double)st.samples.ns[n - 1] / 1000.0 : 0.0, unanswered, st.errors, clients, o->interval_ms);
    ready_set_free(&set);
    free(st.samples.ns);
    free(st.next_at);
    free(st.sent_at);
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
    make_endpoints(&load);
    long clients = o->mode == FANOUT ? o->subscribers + 1 : o->clients;
    load.context = zmq_ctx_new();
    check(zmq_ctx_set(load.context, ZMQ_MAX_SOCKETS, (int)clients + 64), "ZMQ_MAX_SOCKETS");
    if (o->mode == IDLE) {
        /* Reports how many connected even when not all did: stdin closing (the runner's
         * deadline) or --timeout-ms without progress ends the wait. */
        double seconds;
        struct cpu_mark cpu = cpu_mark(o);
        long connected = connect_all(&load, clients, 1, &seconds);
        printf("connected=%ld clients=%ld seconds=%.3f cpu_s=%.3f\n", connected, clients, seconds,
               cpu_mark(o).self - cpu.self);
        fflush(stdout);
        /* --subscribe: on the runner's word (a line on stdin, once it has read the broker's
         * memory), every client subscribes as an MCollective node does. */
        if (o->subscribe && connected == clients && stdin_open()) {
            long subscribed = request_all(&load, clients, subscribe_node, "SUB", 0, &seconds);
            printf("subscribed=%ld clients=%ld topics=%d seconds=%.3f\n", subscribed, clients, NODE_TOPICS, seconds);
            fflush(stdout);
        }
        while (stdin_open()) {
        }
    } else {
        connect_every_client(&load, clients);
        if (o->mode == NOOP) {
            run_noop(&load);
        } else if (o->mode == FANOUT) {
            run_fanout(&load);
        } else {
            printf("ready clients=%ld\n", clients);
            fflush(stdout);
            run_steady(&load);
        }
    }
    for (long c = 0; c < load.count; c++)
        zmq_close(load.sockets[c]);
    free(load.sockets);
    for (int i = 0; i < o->source_count; i++)
        free(load.endpoints[i]);
    zmq_ctx_term(load.context);
    return 0;
}
