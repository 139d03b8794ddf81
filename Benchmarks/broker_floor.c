/* The floor of a broker's CPU per operation (rows 4a and 4b of Benchmarks/run): the work any
 * mc0 broker on libsodium must do for the load those rows apply, and nothing else.
 *
 *   noop    C loopback TCP connections from a client thread to a broker thread. Each client
 *           sends mc0_load's acked NOOP, ["", "NOOP", "ID", "n"], as the four CurveZMQ MESSAGE
 *           frames it is on the wire, and waits for the answer before sending the next. The
 *           broker thread waits on epoll, reads each ready connection once, opens the request's
 *           four boxes, seals the four of ["", "OK", "ID", "n"] and writes them with one send.
 *           Its thread's CPU per round trip is the floor of row 4a: the crypto and the two
 *           system calls a round trip needs, with no queues, no state beyond the keys and
 *           nonces, and no ZMTP or mc0 parsing beyond finding the frames.
 *   fanout  One thread seals the six boxes of a delivery, ["", "MESSAGE", "TOPIC", "bench", "",
 *           body of SIZE bytes], for S subscribers in turn: the crypto alone, without the
 *           writes, a lower bound of row 4b's CPU per delivery.
 *
 * Boxes are made the cheapest way libsodium offers, as mc0d makes them: the HSalsa20 subkey of
 * XSalsa20 once per connection and direction (every MESSAGE nonce of a direction shares its
 * first 16 bytes), then per box one Salsa20 block for the Poly1305 key and the first 32 bytes,
 * Salsa20 for the rest, and Poly1305. */

#include "bench_common.c"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char usage[] =
    "usage: broker_floor noop --clients C --count N\n"
    "       broker_floor fanout --subscribers S --count N [--size BYTES (100)]\n";

enum { key_bytes = 32, mac_bytes = 16, counter_bytes = 8 };
/* A MESSAGE command frame: flags and size (a short frame), "\x07MESSAGE", the nonce's last 8
 * bytes, the MAC, then the sealed flags byte and payload. */
enum { frame_overhead = 2 + 8 + counter_bytes + mac_bytes + 1, most_frames = 8, largest_payload = 255 - 33 };
static const char message_command[8] = "\x07MESSAGE";

/* One direction of one connection's MESSAGE traffic. */
struct direction {
    unsigned char subkey[key_bytes];
    uint64_t counter;
};

static void random_direction(struct direction *d)
{
    randombytes_buf(d->subkey, sizeof d->subkey);
    d->counter = 1;
}

static void counter_bytes_of(uint64_t counter, unsigned char out[counter_bytes])
{
    for (int i = 0; i < counter_bytes; i++)
        out[i] = (unsigned char)(counter >> (56 - 8 * i));
}

/* Appends the MESSAGE frame of `payload` (MORE set in its sealed flags byte when `more`) to `out`;
 * returns the bytes written. */
static size_t seal_frame(struct direction *d, const unsigned char *payload, size_t length, int more, unsigned char *out)
{
    unsigned char block[64], nonce[counter_bytes];
    counter_bytes_of(d->counter++, nonce);
    crypto_stream_salsa20(block, sizeof block, nonce, d->subkey);
    out[0] = 0x04; /* a short command frame */
    out[1] = (unsigned char)(frame_overhead - 2 + length);
    memcpy(out + 2, message_command, sizeof message_command);
    memcpy(out + 10, nonce, counter_bytes);
    unsigned char *mac = out + 10 + counter_bytes, *text = mac + mac_bytes;
    text[0] = (unsigned char)(more ? 1 : 0) ^ block[32];
    for (size_t i = 0; i < length && i < 31; i++)
        text[1 + i] = payload[i] ^ block[33 + i];
    if (length > 31)
        crypto_stream_salsa20_xor_ic(text + 32, payload + 31, length - 31, nonce, 1, d->subkey);
    crypto_onetimeauth_poly1305(mac, text, 1 + length, block);
    sodium_memzero(block, sizeof block);
    return frame_overhead + length;
}

/* Opens the MESSAGE frame at `in` (all `available` bytes of it present, or it returns 0):
 * writes its payload and length and whether MORE is set; returns the frame's size. A frame that
 * is not the next MESSAGE of this direction, or does not authenticate, ends the program. */
static size_t open_frame(struct direction *d, const unsigned char *in, size_t available,
                         unsigned char *payload, size_t *length, int *more)
{
    if (available < 2 || available < 2 + (size_t)in[1])
        return 0;
    if (in[0] != 0x04 || in[1] < frame_overhead - 2 || memcmp(in + 2, message_command, sizeof message_command) != 0)
        die("not a short MESSAGE command frame");
    unsigned char block[64], nonce[counter_bytes];
    counter_bytes_of(d->counter++, nonce);
    if (memcmp(in + 10, nonce, counter_bytes) != 0)
        die("a MESSAGE out of sequence");
    *length = (size_t)in[1] - (frame_overhead - 2);
    const unsigned char *mac = in + 10 + counter_bytes, *text = mac + mac_bytes;
    crypto_stream_salsa20(block, sizeof block, nonce, d->subkey);
    if (crypto_onetimeauth_poly1305_verify(mac, text, 1 + *length, block) != 0)
        die("a MESSAGE that does not authenticate");
    *more = (text[0] ^ block[32]) & 1;
    for (size_t i = 0; i < *length && i < 31; i++)
        payload[i] = text[1 + i] ^ block[33 + i];
    if (*length > 31)
        crypto_stream_salsa20_xor_ic(payload + 31, text + 32, *length - 31, nonce, 1, d->subkey);
    sodium_memzero(block, sizeof block);
    return 2 + (size_t)in[1];
}

/* A whole message: its frames' payloads. */
struct message {
    int frames;
    size_t length[most_frames];
    unsigned char payload[most_frames][largest_payload];
};

/* Opens the first whole message in in[0..*have) into `m`, removes its bytes, and returns 1; 0
 * when the bytes of a whole message have not all arrived. */
static int take_message(struct direction *d, unsigned char *in, size_t *have, struct message *m)
{
    size_t at = 0;
    struct direction tried = *d;
    for (m->frames = 0;;) {
        if (m->frames == most_frames)
            die("a message of more than %d frames", most_frames);
        int more = 0;
        size_t used = open_frame(&tried, in + at, *have - at, m->payload[m->frames], &m->length[m->frames], &more);
        if (used == 0)
            return 0;
        at += used;
        m->frames++;
        if (!more)
            break;
    }
    *d = tried;
    memmove(in, in + at, *have - at);
    *have -= at;
    return 1;
}

static int is_frame(const struct message *m, int i, const char *text)
{
    return m->length[i] == strlen(text) && memcmp(m->payload[i], text, m->length[i]) == 0;
}

/* Seals `count` frames into out; returns the bytes written. */
static size_t seal_message(struct direction *d, const char *const *frames, const size_t *lengths, int count, unsigned char *out)
{
    size_t at = 0;
    for (int i = 0; i < count; i++)
        at += seal_frame(d, (const unsigned char *)frames[i], lengths[i], i + 1 < count, out + at);
    return at;
}

static void send_all(int fd, const unsigned char *bytes, size_t length)
{
    for (size_t sent = 0; sent < length;) {
        ssize_t k = send(fd, bytes + sent, length - sent, MSG_NOSIGNAL);
        if (k < 0 && errno != EINTR)
            die("send: %s", strerror(errno));
        sent += k > 0 ? (size_t)k : 0;
    }
}

/* ------------------------------------------------------------------ noop */

struct connection {
    int fd;
    struct direction in, out; /* what this end opens, what it seals */
    unsigned char buffer[4096];
    size_t have;
    long left; /* the client's NOOPs still to send */
};

struct noop_run {
    int clients;
    long count;
    struct connection *broker, *client;
    pthread_barrier_t ready;
    uint64_t broker_cpu;
};

/* Reads what `c` has ready; returns 0 when nothing came. */
static int read_ready(struct connection *c)
{
    ssize_t k = read(c->fd, c->buffer + c->have, sizeof c->buffer - c->have);
    if (k == 0)
        die("a connection closed");
    if (k < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 0;
        die("read: %s", strerror(errno));
    }
    c->have += (size_t)k;
    return 1;
}

static int make_epoll(struct connection *connections, int count)
{
    int ep = epoll_create1(0);
    if (ep < 0)
        die("epoll_create1: %s", strerror(errno));
    for (int i = 0; i < count; i++) {
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = &connections[i]};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, connections[i].fd, &event) != 0)
            die("epoll_ctl: %s", strerror(errno));
    }
    return ep;
}

static int wait_events(int ep, struct epoll_event *events, int most)
{
    for (;;) {
        int n = epoll_wait(ep, events, most, 30000);
        if (n > 0)
            return n;
        if (n == 0)
            die("no progress for 30 s");
        if (errno != EINTR)
            die("epoll_wait: %s", strerror(errno));
    }
}

/* One turn of an event loop: waits, reads each ready connection once and hands each whole
 * message in it to `each`; returns the messages handed. */
static long take_round(int ep, void (*each)(struct connection *, const struct message *))
{
    struct epoll_event events[256];
    struct message m;
    long taken = 0;
    int n = wait_events(ep, events, 256);
    for (int e = 0; e < n; e++) {
        struct connection *c = events[e].data.ptr;
        if (!read_ready(c))
            continue;
        for (; take_message(&c->in, c->buffer, &c->have, &m); taken++)
            each(c, &m);
    }
    return taken;
}

/* The broker's whole work on a request: check it, seal the OK, send it. */
static void answer_noop(struct connection *c, const struct message *request)
{
    if (c->have > 0)
        die("a client sent its next NOOP before its OK");
    if (request->frames != 4 || !is_frame(request, 0, "") || !is_frame(request, 1, "NOOP") || !is_frame(request, 2, "ID"))
        die("the broker expected [\"\", NOOP, ID, id]");
    const char *frames[] = {"", "OK", "ID", (const char *)request->payload[3]};
    const size_t lengths[] = {0, 2, 2, request->length[3]};
    unsigned char reply[4 * (frame_overhead + largest_payload)];
    send_all(c->fd, reply, seal_message(&c->out, frames, lengths, 4, reply));
}

static void *broker_thread(void *arg)
{
    struct noop_run *r = arg;
    int ep = make_epoll(r->broker, r->clients);
    long answered = 0, total = (long)r->clients * r->count;
    pthread_barrier_wait(&r->ready);
    uint64_t start = thread_cpu_ns();
    while (answered < total)
        answered += take_round(ep, answer_noop);
    r->broker_cpu = thread_cpu_ns() - start;
    close(ep);
    return NULL;
}

static void send_noop(struct connection *c)
{
    static const char *const frames[] = {"", "NOOP", "ID", "n"};
    static const size_t lengths[] = {0, 4, 2, 1};
    unsigned char request[4 * (frame_overhead + 4)];
    send_all(c->fd, request, seal_message(&c->out, frames, lengths, 4, request));
    c->left--;
}

/* The client's side: check the OK and send the next NOOP, if any is left. */
static void take_ok(struct connection *c, const struct message *reply)
{
    if (reply->frames != 4 || !is_frame(reply, 1, "OK") || !is_frame(reply, 3, "n"))
        die("the client expected [\"\", OK, ID, n]");
    if (c->left > 0)
        send_noop(c);
}

static void set_nodelay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        die("TCP_NODELAY: %s", strerror(errno));
}

/* Connects every client to the broker's end over loopback TCP, each direction with its keys. */
static void connect_all(struct noop_run *r)
{
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, length) != 0 ||
        listen(listener, r->clients) != 0 || getsockname(listener, (struct sockaddr *)&address, &length) != 0)
        die("cannot listen on 127.0.0.1: %s", strerror(errno));
    for (int i = 0; i < r->clients; i++) {
        struct connection *client = &r->client[i], *broker = &r->broker[i];
        client->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (client->fd < 0 || connect(client->fd, (struct sockaddr *)&address, length) != 0)
            die("cannot connect to 127.0.0.1: %s", strerror(errno));
        broker->fd = accept(listener, NULL, NULL);
        if (broker->fd < 0)
            die("accept: %s", strerror(errno));
        set_nodelay(client->fd);
        set_nodelay(broker->fd);
        random_direction(&client->out);
        random_direction(&broker->out);
        broker->in = client->out;
        client->in = broker->out;
        client->left = r->count;
    }
    close(listener);
}

static void run_noop(int clients, long count)
{
    struct noop_run r = {.clients = clients, .count = count};
    r.broker = calloc((size_t)clients, sizeof *r.broker);
    r.client = calloc((size_t)clients, sizeof *r.client);
    if (r.broker == NULL || r.client == NULL)
        die("cannot allocate %d connections", clients);
    connect_all(&r);
    pthread_barrier_init(&r.ready, NULL, 2);
    pthread_t thread;
    if (pthread_create(&thread, NULL, broker_thread, &r) != 0)
        die("cannot start the broker thread");

    int ep = make_epoll(r.client, clients);
    long done = 0, total = (long)clients * count;
    pthread_barrier_wait(&r.ready);
    uint64_t started = now_ns(), client_start = thread_cpu_ns();
    for (int i = 0; i < clients; i++)
        send_noop(&r.client[i]);
    while (done < total)
        done += take_round(ep, take_ok);
    uint64_t elapsed = now_ns() - started, client_cpu = thread_cpu_ns() - client_start;
    pthread_join(thread, NULL);
    close(ep);
    for (int i = 0; i < clients; i++) {
        close(r.client[i].fd);
        close(r.broker[i].fd);
    }
    double seconds = (double)elapsed / 1e9;
    printf("rtt/s=%.0f seconds=%.4f broker_cpu_us=%.3f client_cpu_us=%.3f clients=%d count=%ld\n",
           (double)total / seconds, seconds, (double)r.broker_cpu / (double)total / 1e3,
           (double)client_cpu / (double)total / 1e3, clients, count);
    free(r.broker);
    free(r.client);
}

/* ------------------------------------------------------------------ fanout */

static void run_fanout(int subscribers, long count, long size)
{
    struct direction *out = calloc((size_t)subscribers, sizeof *out);
    size_t delivery = 6 * frame_overhead + 7 + 5 + 5 + (size_t)size;
    /* Each subscriber's deliveries go to its own buffer, as to its own socket's queue. */
    enum { queued = 16 };
    unsigned char *buffers = malloc((size_t)subscribers * queued * delivery), *body = malloc((size_t)size);
    if (out == NULL || buffers == NULL || body == NULL)
        die("cannot allocate for %d subscribers", subscribers);
    for (int i = 0; i < subscribers; i++)
        random_direction(&out[i]);
    memset(body, 'm', (size_t)size);
    const char *frames[] = {"", "MESSAGE", "TOPIC", "bench", "", (const char *)body};
    const size_t lengths[] = {0, 7, 5, 5, 0, (size_t)size};
    uint64_t started = now_ns(), start = thread_cpu_ns();
    for (long n = 0; n < count; n++) {
        long s = n % subscribers, slot = (n / subscribers) % queued;
        if (s == 0)
            put_sequence(body, (uint64_t)n);
        seal_message(&out[s], frames, lengths, 6, buffers + ((size_t)s * queued + (size_t)slot) * delivery);
    }
    uint64_t cpu = thread_cpu_ns() - start, elapsed = now_ns() - started;
    double seconds = (double)elapsed / 1e9;
    printf("deliveries/s=%.0f seconds=%.4f broker_cpu_us=%.3f subscribers=%d count=%ld size=%ld\n",
           (double)count / seconds, seconds, (double)cpu / (double)count / 1e3, subscribers, count, size);
    free(out);
    free(buffers);
    free(body);
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "noop") != 0 && strcmp(argv[1], "fanout") != 0)) {
        fputs(usage, stderr);
        return 2;
    }
    int noop = strcmp(argv[1], "noop") == 0;
    long peers = noop ? 50 : 100, count = 10000, size = 100;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], noop ? "--clients" : "--subscribers") == 0)
            peers = parse_long(argv[i], flag_value(argc, argv, &i), 1, 10000);
        else if (strcmp(argv[i], "--count") == 0)
            count = parse_long("--count", flag_value(argc, argv, &i), 1, 1L << 30);
        else if (!noop && strcmp(argv[i], "--size") == 0)
            size = parse_long("--size", flag_value(argc, argv, &i), 8, largest_payload);
        else {
            fprintf(stderr, "broker_floor: unknown argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    if (sodium_init() < 0)
        die("sodium_init failed");
    if (noop)
        run_noop((int)peers, count);
    else
        run_fanout((int)peers, count, size);
    return 0;
}
