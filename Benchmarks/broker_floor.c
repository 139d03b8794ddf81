/* The floor of a broker's CPU per operation (rows 4a and 4b of Benchmarks/run): the work any
 * mc0 broker on libsodium must do for the load those rows apply, and nothing else.
 *
 *   noop    A broker that mc0_load's noop mode can load as it loads mc0d and ref_broker, so
 *           that the floor sees the same client and the same pacing. It listens on
 *           127.0.0.1:PORT, accepts C clients and does each one's CurveZMQ handshake as a
 *           ROUTER would (blocking, one client after the other), then serves them on one
 *           thread: it waits on epoll, reads each ready connection once, opens the request's
 *           CurveZMQ MESSAGE boxes, seals the four of ["", "OK", "ID", id] and writes them with
 *           one send. The process's CPU per round trip, as mc0_load --broker-pid reads it, is the
 *           floor of row 4a: the crypto and the two system calls a round trip needs, with no
 *           queues, no state beyond the keys and nonces, and no ZMTP or mc0 parsing beyond
 *           finding the frames. It ends when a client closes.
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
#include <sodium.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char usage[] =
    "usage: broker_floor noop --port PORT --curve-secret Z85 [--clients C (50)]\n"
    "       broker_floor fanout --subscribers S --count N [--size BYTES (100)]\n";

enum { key_bytes = 32, mac_bytes = 16, counter_bytes = 8 };
/* A MESSAGE frame: flags and size (a short frame), "\x07MESSAGE", the nonce's last 8
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

/* Nonce counters and long frame sizes are 8 bytes, big-endian. */
static void put_be64(uint64_t value, unsigned char out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(value >> (56 - 8 * i));
}

static uint64_t get_be64(const unsigned char in[8])
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | in[i];
    return value;
}

/* Appends the MESSAGE frame of `payload` (MORE set in its sealed flags byte when `more`) to `out`;
 * returns the bytes written. */
static size_t seal_frame(struct direction *d, const unsigned char *payload, size_t length, int more, unsigned char *out)
{
    unsigned char block[64], nonce[counter_bytes];
    put_be64(d->counter++, nonce);
    crypto_stream_salsa20(block, sizeof block, nonce, d->subkey);
    out[0] = 0x00; /* a short frame: libzmq sends MESSAGE without the COMMAND bit */
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
    if (in[0] != 0x00 || in[1] < frame_overhead - 2 || memcmp(in + 2, message_command, sizeof message_command) != 0)
        die("not a short MESSAGE frame");
    unsigned char block[64], nonce[counter_bytes];
    put_be64(d->counter++, nonce);
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

/* ------------------------------------------------------------------ handshake */

/* Reads exactly `length` bytes; 0 when the client left first (as a port probe does). */
static int read_exact(int fd, unsigned char *out, size_t length)
{
    for (size_t got = 0; got < length;) {
        ssize_t k = read(fd, out + got, length - got);
        if (k == 0 || (k < 0 && errno == ECONNRESET))
            return 0;
        if (k < 0 && errno != EINTR)
            die("read: %s", strerror(errno));
        got += k > 0 ? (size_t)k : 0;
    }
    return 1;
}

/* Reads one command frame into `body`; its length, or -1 when the client left first. */
static long read_command(int fd, unsigned char *body, size_t room)
{
    unsigned char header[9];
    if (!read_exact(fd, header, 2))
        return -1;
    size_t length = header[1];
    if (header[0] == 0x06) {
        if (!read_exact(fd, header + 2, 7))
            return -1;
        length = (size_t)get_be64(header + 1);
    } else if (header[0] != 0x04) {
        die("a handshake frame that is not a command");
    }
    if (length > room)
        die("a handshake command of %zu bytes", length);
    return read_exact(fd, body, length) ? (long)length : -1;
}

static void write_command(int fd, const unsigned char *body, size_t length)
{
    unsigned char header[9] = {0x04, (unsigned char)length};
    size_t header_length = 2;
    if (length > 255) {
        header[0] = 0x06;
        put_be64(length, header + 1);
        header_length = 9;
    }
    send_all(fd, header, header_length);
    send_all(fd, body, length);
}

/* A nonce of `prefix` (16 or 8 bytes) and `suffix` (8 or 16). */
static void make_nonce(unsigned char nonce[crypto_box_NONCEBYTES], const char *prefix, const unsigned char *suffix)
{
    size_t split = strlen(prefix);
    memcpy(nonce, prefix, split);
    memcpy(nonce + split, suffix, crypto_box_NONCEBYTES - split);
}

/* The server's side of the ZMTP 3.1 greeting and the CurveZMQ handshake on `fd` (blocking), as
 * a ROUTER with no ZAP; sets the two directions of the connection's MESSAGE traffic. Returns 0
 * when the client left before the end. */
static int handshake(int fd, const unsigned char secret[key_bytes], struct direction *in, struct direction *out)
{
    unsigned char greeting[64] = {0xFF, [9] = 0x7F, 3, 1, 'C', 'U', 'R', 'V', 'E', [32] = 1}, peer[64];
    send_all(fd, greeting, sizeof greeting);
    if (!read_exact(fd, peer, sizeof peer))
        return 0;
    if (peer[0] != 0xFF || peer[9] != 0x7F || peer[10] != 3 || memcmp(peer + 12, "CURVE", 6) != 0)
        die("a greeting that is not ZMTP 3 with CURVE");

    unsigned char body[1024], nonce[crypto_box_NONCEBYTES], plain[1024];
    long length = read_command(fd, body, sizeof body);
    if (length < 0)
        return 0;
    if (length != 200 || memcmp(body, "\x05HELLO\x01\x00", 8) != 0)
        die("not a HELLO of CurveZMQ 1.0");
    unsigned char client_transient[key_bytes];
    memcpy(client_transient, body + 80, key_bytes);
    make_nonce(nonce, "CurveZMQHELLO---", body + 112);
    if (crypto_box_open_easy(plain, body + 120, 80, nonce, client_transient, secret) != 0)
        die("a HELLO that does not open");

    unsigned char transient_public[key_bytes], transient_secret[key_bytes], cookie[96], cookie_key[key_bytes];
    crypto_box_keypair(transient_public, transient_secret);
    randombytes_buf(cookie, 16);
    crypto_secretbox_keygen(cookie_key);
    memcpy(plain, client_transient, key_bytes);
    memcpy(plain + key_bytes, transient_secret, key_bytes);
    make_nonce(nonce, "COOKIE--", cookie);
    crypto_secretbox_easy(cookie + 16, plain, 2 * key_bytes, nonce, cookie_key);
    memcpy(body, "\x07WELCOME", 8);
    randombytes_buf(body + 8, 16);
    memcpy(plain, transient_public, key_bytes);
    memcpy(plain + key_bytes, cookie, sizeof cookie);
    make_nonce(nonce, "WELCOME-", body + 8);
    if (crypto_box_easy(body + 24, plain, key_bytes + sizeof cookie, nonce, client_transient, secret) != 0)
        die("a client transient key of low order");
    write_command(fd, body, 168);

    length = read_command(fd, body, sizeof body);
    if (length < 0)
        return 0;
    if (length < 257 || memcmp(body, "\x08INITIATE", 9) != 0 || memcmp(body + 9, cookie, sizeof cookie) != 0)
        die("not an INITIATE with our cookie");
    make_nonce(nonce, "CurveZMQINITIATE", body + 105);
    if (crypto_box_open_easy(plain, body + 113, (size_t)length - 113, nonce, client_transient, transient_secret) != 0)
        die("an INITIATE that does not open");
    unsigned char vouch[2 * key_bytes];
    make_nonce(nonce, "VOUCH---", plain + key_bytes);
    if (crypto_box_open_easy(vouch, plain + 48, 80, nonce, plain, transient_secret) != 0 ||
        memcmp(vouch, client_transient, key_bytes) != 0)
        die("an INITIATE whose vouch does not hold the client's transient key");
    uint64_t client_nonce = get_be64(body + 105);

    unsigned char shared[crypto_box_BEFORENMBYTES];
    if (crypto_box_beforenm(shared, client_transient, transient_secret) != 0)
        die("a transient key of low order");
    static const unsigned char metadata[] = "\x0bSocket-Type\0\0\0\x06ROUTER\x08Identity\0\0\0\0";
    memcpy(body, "\x05READY", 6);
    put_be64(1, body + 6);
    make_nonce(nonce, "CurveZMQREADY---", body + 6);
    if (crypto_box_easy_afternm(body + 14, metadata, sizeof metadata - 1, nonce, shared) != 0)
        die("cannot seal READY");
    write_command(fd, body, 14 + mac_bytes + sizeof metadata - 1);

    crypto_core_hsalsa20(out->subkey, (const unsigned char *)"CurveZMQMESSAGES", shared, NULL);
    out->counter = 2;
    crypto_core_hsalsa20(in->subkey, (const unsigned char *)"CurveZMQMESSAGEC", shared, NULL);
    in->counter = client_nonce + 1;
    sodium_memzero(shared, sizeof shared);
    sodium_memzero(transient_secret, sizeof transient_secret);
    return 1;
}

/* ------------------------------------------------------------------ noop */

struct connection {
    int fd;
    struct direction in, out; /* what this end opens, what it seals */
    unsigned char buffer[4096];
    size_t have;
};

/* Reads what `c` has ready; returns 0 when nothing came. A closed connection means the load
 * is over: mc0_load has printed its figures, so the program ends. */
static int read_ready(struct connection *c)
{
    ssize_t k = read(c->fd, c->buffer + c->have, sizeof c->buffer - c->have);
    if (k == 0)
        exit(0);
    if (k < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 0;
        die("read: %s", strerror(errno));
    }
    c->have += (size_t)k;
    return 1;
}

/* The broker's whole work on a request: check it, seal the OK, send it. Requests are mc0_load's
 * CONNECT, then its NOOPs; each is answered ["", "OK", "ID", its ID]. */
static void answer(struct connection *c, const struct message *request)
{
    if (c->have > 0)
        die("a client sent its next request before its OK");
    int id = request->frames - 1;
    if (request->frames < 4 || !is_frame(request, 0, "") || !is_frame(request, id - 1, "ID"))
        die("the broker expected [\"\", VERB, ..., \"ID\", id]");
    const char *frames[] = {"", "OK", "ID", (const char *)request->payload[id]};
    const size_t lengths[] = {0, 2, 2, request->length[id]};
    unsigned char reply[4 * (frame_overhead + largest_payload)];
    send_all(c->fd, reply, seal_message(&c->out, frames, lengths, 4, reply));
}

/* Serves the accepted connections until one closes: epoll, then for each ready connection one
 * read, its request opened and its OK sealed and sent. */
static void serve(struct connection *connections, int count)
{
    int ep = epoll_create1(0);
    if (ep < 0)
        die("epoll_create1: %s", strerror(errno));
    for (int i = 0; i < count; i++) {
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = &connections[i]};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, connections[i].fd, &event) != 0)
            die("epoll_ctl: %s", strerror(errno));
    }
    struct epoll_event events[256];
    struct message m;
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno != EINTR)
            die("epoll_wait: %s", strerror(errno));
        for (int e = 0; e < n; e++) {
            struct connection *c = events[e].data.ptr;
            if (read_ready(c))
                while (take_message(&c->in, c->buffer, &c->have, &m))
                    answer(c, &m);
        }
    }
}

static void run_noop(int clients, int port, const char *secret_z85)
{
    unsigned char secret[key_bytes];
    if (zmq_z85_decode(secret, secret_z85) == NULL || strlen(secret_z85) != 40)
        die("--curve-secret: not a Z85 key of 40 characters");
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, clients) != 0)
        die("cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
    struct connection *connections = calloc((size_t)clients, sizeof *connections);
    if (connections == NULL)
        die("cannot allocate %d connections", clients);
    for (int i = 0; i < clients;) {
        struct connection *c = &connections[i];
        c->fd = accept(listener, NULL, NULL);
        if (c->fd < 0)
            die("accept: %s", strerror(errno));
        if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
            die("TCP_NODELAY: %s", strerror(errno));
        if (handshake(c->fd, secret, &c->in, &c->out))
            i++;
        else
            close(c->fd); /* a probe of the port, or a client that gave up */
    }
    close(listener);
    serve(connections, clients);
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
    long peers = noop ? 50 : 100, count = 10000, size = 100, port = 0;
    const char *secret = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], noop ? "--clients" : "--subscribers") == 0)
            peers = parse_long(argv[i], flag_value(argc, argv, &i), 1, 10000);
        else if (noop && strcmp(argv[i], "--port") == 0)
            port = parse_long("--port", flag_value(argc, argv, &i), 1, 65535);
        else if (noop && strcmp(argv[i], "--curve-secret") == 0)
            secret = flag_value(argc, argv, &i);
        else if (!noop && strcmp(argv[i], "--count") == 0)
            count = parse_long("--count", flag_value(argc, argv, &i), 1, 1L << 30);
        else if (!noop && strcmp(argv[i], "--size") == 0)
            size = parse_long("--size", flag_value(argc, argv, &i), 8, largest_payload);
        else {
            fprintf(stderr, "broker_floor: unknown argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    if (noop && (port == 0 || secret == NULL)) {
        fputs(usage, stderr);
        return 2;
    }
    if (sodium_init() < 0)
        die("sodium_init failed");
    if (noop)
        run_noop((int)peers, (int)port, secret);
    else
        run_fanout((int)peers, count, size);
    return 0;
}
