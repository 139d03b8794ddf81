/* A reference mc0 broker on libzmq, built the way the original broker was: one ROUTER, a
 * blocking zmq_msg loop on one thread, a hash of routing id -> client and one of topic ->
 * subscribers. It exists only to be benchmarked against mc0d (issue 6); it is not part of
 * the product. Verbs and replies follow the mc0 0.3 summary in DESIGN.md. */

#include "bench_common.c"

static const char usage[] =
    "usage: ref_broker --bind ENDPOINT (--curve-secret Z85 | --no-curve) [--backlog N] [--sndhwm N]\n";

enum { MAX_FRAMES = 1024, MAX_TOPIC = 512, MAX_MESSAGE = 16 << 20 };
static const uint64_t TTL_MIN_MS = 100, TTL_MAX_MS = 3600000;

/* ---- a byte-string hash map (chained, power-of-two buckets) ---- */

struct entry {
    struct entry *next;
    uint64_t hash;
    void *value;
    size_t length;
    unsigned char key[];
};

struct map {
    struct entry **buckets;
    size_t mask, count;
};

static void *must(void *pointer)
{
    if (pointer == NULL)
        die("out of memory");
    return pointer;
}

static uint64_t hash_bytes(const unsigned char *bytes, size_t length)
{
    uint64_t hash = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ bytes[i]) * 1099511628211u;
    return hash;
}

static struct entry **map_slot(struct map *map, const void *key, size_t length, uint64_t hash)
{
    struct entry **slot = &map->buckets[hash & map->mask];
    while (*slot != NULL && !((*slot)->hash == hash && (*slot)->length == length
                              && memcmp((*slot)->key, key, length) == 0))
        slot = &(*slot)->next;
    return slot;
}

static void *map_get(struct map *map, const void *key, size_t length)
{
    struct entry *found = *map_slot(map, key, length, hash_bytes(key, length));
    return found ? found->value : NULL;
}

/* Inserts a key that is not in the map; returns the stored copy of the key. */
static const unsigned char *map_insert(struct map *map, const void *key, size_t length, void *value)
{
    if (map->count > map->mask) {
        size_t size = 2 * (map->mask + 1);
        struct entry **buckets = must(calloc(size, sizeof *buckets));
        for (size_t i = 0; i <= map->mask; i++) {
            for (struct entry *e = map->buckets[i], *next; e != NULL; e = next) {
                next = e->next;
                e->next = buckets[e->hash & (size - 1)];
                buckets[e->hash & (size - 1)] = e;
            }
        }
        free(map->buckets);
        map->buckets = buckets;
        map->mask = size - 1;
    }
    uint64_t hash = hash_bytes(key, length);
    struct entry *e = must(malloc(sizeof *e + length));
    *e = (struct entry){.next = map->buckets[hash & map->mask], .hash = hash, .value = value, .length = length};
    memcpy(e->key, key, length);
    map->buckets[hash & map->mask] = e;
    map->count++;
    return e->key;
}

static void map_remove(struct map *map, const void *key, size_t length)
{
    struct entry **slot = map_slot(map, key, length, hash_bytes(key, length));
    struct entry *e = *slot;
    if (e == NULL)
        return;
    *slot = e->next;
    free(e);
    map->count--;
}

static void map_init(struct map *map)
{
    map->mask = 63;
    map->count = 0;
    map->buckets = must(calloc(map->mask + 1, sizeof *map->buckets));
}

/* ---- broker state ---- */

struct topic;

struct client {
    const unsigned char *id; /* the key stored in the clients map */
    size_t id_length;
    size_t index; /* position in broker.all */
    uint64_t ttl_ns, last_heard, last_sent, heartbeat_delay;
    struct topic **topics;
    size_t topic_count, topic_capacity;
};

struct topic {
    const unsigned char *name; /* the key stored in the topics map */
    size_t length;
    struct client **subscribers;
    size_t count, capacity;
};

static struct {
    void *socket;
    struct map clients, topics;
    struct client **all; /* every client, for the heartbeat and eviction scan */
    size_t all_count, all_capacity;
    uint64_t next_deadline;
    uint64_t messages_in, messages_out, evictions;
} broker;

/* A pointer array that grows by doubling. */
static void push(void ***array, size_t *count, size_t *capacity, void *item)
{
    if (*count == *capacity) {
        *capacity = *capacity ? 2 * *capacity : 4;
        *array = must(realloc(*array, *capacity * sizeof **array));
    }
    (*array)[(*count)++] = item;
}

/* Removes item by swapping the last element into its place; returns 0 if it was absent. */
static int pull(void **array, size_t *count, void *item)
{
    for (size_t i = 0; i < *count; i++) {
        if (array[i] == item) {
            array[i] = array[--*count];
            return 1;
        }
    }
    return 0;
}

static void draw_heartbeat_delay(struct client *client)
{
    /* 0.75 to 0.90 TTL: the client hears from us within 0.95 TTL, at a jittered time so
     * that our NOOP does not keep colliding with the client's own. */
    client->heartbeat_delay = (uint64_t)((double)client->ttl_ns * (0.75 + 0.15 * drand48()));
    uint64_t due = client->last_sent + client->heartbeat_delay;
    if (due < broker.next_deadline)
        broker.next_deadline = due;
}

static void subscribe(struct client *client, const unsigned char *name, size_t length)
{
    struct topic *topic = map_get(&broker.topics, name, length);
    if (topic == NULL) {
        topic = must(calloc(1, sizeof *topic));
        topic->name = map_insert(&broker.topics, name, length, topic);
        topic->length = length;
    }
    for (size_t i = 0; i < client->topic_count; i++)
        if (client->topics[i] == topic)
            return;
    push((void ***)&topic->subscribers, &topic->count, &topic->capacity, client);
    push((void ***)&client->topics, &client->topic_count, &client->topic_capacity, topic);
}

static void drop_subscriber(struct topic *topic, struct client *client)
{
    pull((void **)topic->subscribers, &topic->count, client);
    if (topic->count == 0) {
        map_remove(&broker.topics, topic->name, topic->length);
        free(topic->subscribers);
        free(topic);
    }
}

static void unsubscribe(struct client *client, const unsigned char *name, size_t length)
{
    struct topic *topic = map_get(&broker.topics, name, length);
    if (topic != NULL && pull((void **)client->topics, &client->topic_count, topic))
        drop_subscriber(topic, client);
}

static void forget(struct client *client)
{
    for (size_t i = 0; i < client->topic_count; i++)
        drop_subscriber(client->topics[i], client);
    free(client->topics);
    broker.all[client->index] = broker.all[--broker.all_count];
    broker.all[client->index]->index = client->index;
    map_remove(&broker.clients, client->id, client->id_length); /* frees client->id */
    free(client);
}

/* ---- sending ---- */

static void send_frame(const void *data, size_t size, int more)
{
    /* A ROUTER never blocks: at a peer's high-water mark, or for a peer that is gone, libzmq
     * drops the message, as the original broker did. */
    if (zmq_send(broker.socket, data, size, more ? ZMQ_SNDMORE : 0) == -1 && zmq_errno() != EHOSTUNREACH)
        die("send: %s", zmq_strerror(zmq_errno()));
}

static void send_text(const char *text, int more)
{
    send_frame(text, strlen(text), more);
}

/* Starts a message to routing id `to`: the id, the empty delimiter and the verb. */
static void begin(const void *to, size_t to_length, const char *verb, int more)
{
    send_frame(to, to_length, 1);
    send_frame("", 0, 1);
    send_text(verb, more);
    broker.messages_out++;
    struct client *client = map_get(&broker.clients, to, to_length);
    if (client != NULL)
        client->last_sent = now_ns();
}

static void send_ok(zmq_msg_t *to, zmq_msg_t *request_id)
{
    begin(zmq_msg_data(to), zmq_msg_size(to), "OK", 1);
    send_text("ID", 1);
    send_frame(zmq_msg_data(request_id), zmq_msg_size(request_id), 0);
}

static void send_error(zmq_msg_t *to, const char *text, zmq_msg_t *request_id)
{
    begin(zmq_msg_data(to), zmq_msg_size(to), "ERROR", 1);
    send_text("MESSAGE", 1);
    send_text(text, request_id != NULL);
    if (request_id != NULL) {
        send_text("ID", 1);
        send_frame(zmq_msg_data(request_id), zmq_msg_size(request_id), 0);
    }
}

/* ---- requests: [routing id, "", VERB, K1, V1, ..., ("", positional...)] ---- */

struct request {
    zmq_msg_t frames[MAX_FRAMES];
    int count;          /* frames received, routing id included */
    int header_end;     /* index of the empty frame that ends the headers, or count */
    zmq_msg_t *id;      /* the ID header's value, or NULL */
    char text[160];     /* an ERROR to send instead of handling the request */
};

static int frame_is(zmq_msg_t *frame, const char *text)
{
    size_t length = strlen(text);
    return zmq_msg_size(frame) == length && memcmp(zmq_msg_data(frame), text, length) == 0;
}

static zmq_msg_t *header(struct request *r, const char *key)
{
    for (int i = 3; i + 1 < r->header_end; i += 2)
        if (frame_is(&r->frames[i], key))
            return &r->frames[i + 1];
    return NULL;
}

/* Reads one whole message; returns 0 when interrupted or when nothing came in time. */
static int receive_request(struct request *r)
{
    r->count = 0;
    r->text[0] = '\0';
    size_t total = 0;
    int more = 1;
    while (more) {
        zmq_msg_t *frame = &r->frames[r->count < MAX_FRAMES ? r->count : MAX_FRAMES - 1];
        if (r->count >= MAX_FRAMES)
            zmq_msg_close(frame); /* too many frames: keep reading into the last slot */
        zmq_msg_init(frame);
        if (zmq_msg_recv(frame, broker.socket, r->count == 0 ? ZMQ_DONTWAIT : 0) == -1) {
            zmq_msg_close(frame);
            if (r->count == 0 && (zmq_errno() == EAGAIN || zmq_errno() == EINTR))
                return 0;
            die("receive: %s", zmq_strerror(zmq_errno()));
        }
        more = zmq_msg_more(frame);
        total += zmq_msg_size(frame);
        if (r->count < MAX_FRAMES)
            r->count++;
        else
            snprintf(r->text, sizeof r->text, "message of more than %d frames exceeds the broker's limit", MAX_FRAMES);
    }
    broker.messages_in++;
    if (total > MAX_MESSAGE && r->text[0] == '\0')
        snprintf(r->text, sizeof r->text, "message of %zu bytes exceeds the broker's limit of %d bytes", total, MAX_MESSAGE);
    r->header_end = r->count;
    r->id = NULL;
    if (r->text[0] != '\0')
        return 1;
    if (r->count < 3 || zmq_msg_size(&r->frames[1]) != 0 || zmq_msg_size(&r->frames[2]) == 0) {
        snprintf(r->text, sizeof r->text, "malformed message: expected an empty delimiter frame, then a verb");
        return 1;
    }
    for (int i = 3; i < r->count; i += 2) {
        if (zmq_msg_size(&r->frames[i]) == 0) {
            r->header_end = i;
            break;
        }
        if (i + 1 == r->count) {
            snprintf(r->text, sizeof r->text, "malformed message: header without a value");
            return 1;
        }
    }
    r->id = header(r, "ID");
    return 1;
}

static void release_request(struct request *r)
{
    for (int i = 0; i < r->count; i++)
        zmq_msg_close(&r->frames[i]);
}

/* A decimal TTL in range, or 0. */
static uint64_t parse_ttl(zmq_msg_t *frame)
{
    size_t length = zmq_msg_size(frame);
    const char *digits = zmq_msg_data(frame);
    uint64_t value = 0;
    if (length == 0 || length > 10)
        return 0;
    for (size_t i = 0; i < length; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return 0;
        value = value * 10 + (uint64_t)(digits[i] - '0');
    }
    return value >= TTL_MIN_MS && value <= TTL_MAX_MS ? value : 0;
}

static void handle_connect(struct request *r, uint64_t now)
{
    zmq_msg_t *version = header(r, "VERSION"), *ttl = header(r, "TTL");
    if (version == NULL || !(frame_is(version, "0.3") || frame_is(version, "0.2"))) {
        snprintf(r->text, sizeof r->text, "CONNECT needs a VERSION header of 0.2 or 0.3");
        return;
    }
    uint64_t ttl_ms = ttl ? parse_ttl(ttl) : 0;
    if (ttl_ms == 0) {
        snprintf(r->text, sizeof r->text, "CONNECT needs a TTL header of %lu to %lu ms",
                 (unsigned long)TTL_MIN_MS, (unsigned long)TTL_MAX_MS);
        return;
    }
    struct client *client = must(calloc(1, sizeof *client));
    client->id_length = zmq_msg_size(&r->frames[0]);
    client->id = map_insert(&broker.clients, zmq_msg_data(&r->frames[0]), client->id_length, client);
    client->index = broker.all_count;
    push((void ***)&broker.all, &broker.all_count, &broker.all_capacity, client);
    client->ttl_ns = ttl_ms * 1000000u;
    client->last_heard = client->last_sent = now;
    draw_heartbeat_delay(client);
    uint64_t evict_at = now + client->ttl_ns + client->ttl_ns / 20;
    if (evict_at < broker.next_deadline)
        broker.next_deadline = evict_at;
}

/* Sends a PUT's topic, extra headers and body to every subscriber as MESSAGE. */
static void deliver(struct request *r, zmq_msg_t *topic_name)
{
    struct topic *topic = map_get(&broker.topics, zmq_msg_data(topic_name), zmq_msg_size(topic_name));
    if (topic == NULL)
        return;
    zmq_msg_t copy;
    zmq_msg_init(&copy);
    for (size_t s = 0; s < topic->count; s++) {
        struct client *to = topic->subscribers[s];
        begin(to->id, to->id_length, "MESSAGE", 1);
        send_text("TOPIC", 1);
        send_frame(topic->name, topic->length, 1);
        for (int i = 3; i + 1 < r->header_end; i += 2) {
            if (frame_is(&r->frames[i], "ID") || frame_is(&r->frames[i], "TOPIC"))
                continue;
            send_frame(zmq_msg_data(&r->frames[i]), zmq_msg_size(&r->frames[i]), 1);
            send_frame(zmq_msg_data(&r->frames[i + 1]), zmq_msg_size(&r->frames[i + 1]), 1);
        }
        send_frame("", 0, r->header_end + 1 < r->count);
        /* Body frames are shared, not copied: zmq_msg_copy takes a reference. */
        for (int i = r->header_end + 1; i < r->count; i++) {
            zmq_msg_copy(&copy, &r->frames[i]);
            if (zmq_msg_send(&copy, broker.socket, i + 1 < r->count ? ZMQ_SNDMORE : 0) == -1
                && zmq_errno() != EHOSTUNREACH)
                die("send: %s", zmq_strerror(zmq_errno()));
        }
    }
    zmq_msg_close(&copy);
}

static void handle_topics(struct request *r, struct client *client, int sub)
{
    const char *verb = sub ? "SUB" : "UNSUB";
    if (r->header_end + 1 >= r->count) {
        snprintf(r->text, sizeof r->text, "%s needs at least one topic after the empty frame", verb);
        return;
    }
    for (int i = r->header_end + 1; i < r->count; i++) {
        size_t length = zmq_msg_size(&r->frames[i]);
        if (length == 0 || length > MAX_TOPIC) {
            snprintf(r->text, sizeof r->text, "%s: a topic must be 1 to %d bytes", verb, MAX_TOPIC);
            return;
        }
    }
    for (int i = r->header_end + 1; i < r->count; i++) {
        if (sub)
            subscribe(client, zmq_msg_data(&r->frames[i]), zmq_msg_size(&r->frames[i]));
        else
            unsubscribe(client, zmq_msg_data(&r->frames[i]), zmq_msg_size(&r->frames[i]));
    }
}

static void handle(struct request *r, uint64_t now)
{
    zmq_msg_t *verb = &r->frames[2];
    struct client *client = map_get(&broker.clients, zmq_msg_data(&r->frames[0]), zmq_msg_size(&r->frames[0]));
    if (client != NULL)
        client->last_heard = now;
    if (frame_is(verb, "CONNECT")) {
        if (client != NULL)
            snprintf(r->text, sizeof r->text, "already connected: send DISCONNECT before a second CONNECT");
        else
            handle_connect(r, now);
    } else if (!(frame_is(verb, "DISCONNECT") || frame_is(verb, "SUB") || frame_is(verb, "UNSUB")
                 || frame_is(verb, "PUT") || frame_is(verb, "NOOP"))) {
        int shown = zmq_msg_size(verb) < 40 ? (int)zmq_msg_size(verb) : 40;
        snprintf(r->text, sizeof r->text, "unknown verb '%.*s': a client sends CONNECT, DISCONNECT, SUB, UNSUB, PUT or NOOP",
                 shown, (const char *)zmq_msg_data(verb));
    } else if (client == NULL) {
        snprintf(r->text, sizeof r->text, "not connected (never connected, or dropped after a TTL of silence): "
                 "send CONNECT again, then retry %.*s", (int)zmq_msg_size(verb), (const char *)zmq_msg_data(verb));
    } else if (frame_is(verb, "DISCONNECT")) {
        forget(client);
    } else if (frame_is(verb, "SUB") || frame_is(verb, "UNSUB")) {
        handle_topics(r, client, frame_is(verb, "SUB"));
    } else if (frame_is(verb, "PUT")) {
        zmq_msg_t *topic = header(r, "TOPIC");
        if (topic == NULL || zmq_msg_size(topic) == 0 || zmq_msg_size(topic) > MAX_TOPIC)
            snprintf(r->text, sizeof r->text, "PUT needs a TOPIC header of 1 to %d bytes", MAX_TOPIC);
        else
            deliver(r, topic);
    }
    /* NOOP only proves the client alive (done above). */
}

/* Heartbeats that are due, evictions, and the time of the next one. */
static void tick(uint64_t now)
{
    broker.next_deadline = UINT64_MAX;
    for (size_t i = 0; i < broker.all_count;) {
        struct client *client = broker.all[i];
        uint64_t evict_at = client->last_heard + client->ttl_ns + client->ttl_ns / 20;
        if (now >= evict_at) {
            broker.evictions++;
            forget(client); /* moves the last client to index i */
            continue;
        }
        if (now >= client->last_sent + client->heartbeat_delay) {
            begin(client->id, client->id_length, "NOOP", 0);
            draw_heartbeat_delay(client);
        }
        uint64_t due = client->last_sent + client->heartbeat_delay;
        uint64_t next = due < evict_at ? due : evict_at;
        if (next < broker.next_deadline)
            broker.next_deadline = next;
        i++;
    }
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *secret = NULL;
    int no_curve = 0;
    long backlog = -1, sndhwm = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--bind") == 0)
            endpoint = flag_value(argc, argv, &i);
        else if (strcmp(argv[i], "--curve-secret") == 0)
            secret = z85_key("--curve-secret", flag_value(argc, argv, &i));
        else if (strcmp(argv[i], "--no-curve") == 0)
            no_curve = 1;
        else if (strcmp(argv[i], "--backlog") == 0)
            backlog = parse_long("--backlog", flag_value(argc, argv, &i), 1, 1L << 20);
        else if (strcmp(argv[i], "--sndhwm") == 0)
            sndhwm = parse_long("--sndhwm", flag_value(argc, argv, &i), 0, 1L << 30);
        else {
            fprintf(stderr, "ref_broker: unknown argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    if (endpoint == NULL || (secret == NULL) == !no_curve) {
        fprintf(stderr, "ref_broker: give --bind and exactly one of --curve-secret and --no-curve\n%s", usage);
        return 2;
    }

    install_stop_handlers();
    srand48((long)now_ns());
    map_init(&broker.clients);
    map_init(&broker.topics);
    broker.next_deadline = UINT64_MAX;
    void *context = zmq_ctx_new();
    broker.socket = zmq_socket(context, ZMQ_ROUTER);
    struct curve_options curve = {.server_secret = secret};
    apply_curve(broker.socket, &curve);
    set_int_option(broker.socket, ZMQ_LINGER, 0, "ZMQ_LINGER");
    int64_t max_message = MAX_MESSAGE + 64 * 1024; /* headers besides a full-size body */
    check(zmq_setsockopt(broker.socket, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message), "ZMQ_MAXMSGSIZE");
    if (backlog > 0)
        set_int_option(broker.socket, ZMQ_BACKLOG, (int)backlog, "ZMQ_BACKLOG");
    if (sndhwm >= 0)
        set_int_option(broker.socket, ZMQ_SNDHWM, (int)sndhwm, "ZMQ_SNDHWM");
    attach(broker.socket, 1, endpoint);

    static struct request request;
    zmq_pollitem_t item = {.socket = broker.socket, .events = ZMQ_POLLIN};
    while (!stop_requested) {
        uint64_t now = now_ns();
        if (now >= broker.next_deadline)
            tick(now);
        /* Sleep until the next heartbeat or eviction, waking at least every 200 ms for signals. */
        long timeout_ms = 200;
        if (broker.next_deadline - now < 200000000u)
            timeout_ms = (long)((broker.next_deadline - now) / 1000000u) + 1;
        if (zmq_poll(&item, 1, timeout_ms) == -1 && zmq_errno() != EINTR)
            die("zmq_poll: %s", zmq_strerror(zmq_errno()));
        /* Drain what is queued before polling again, in bounded batches so ticks still run. */
        for (int batch = 0; batch < 4096 && receive_request(&request); batch++) {
            now = now_ns();
            if (request.text[0] == '\0')
                handle(&request, now);
            if (request.text[0] != '\0')
                send_error(&request.frames[0], request.text, request.id);
            else if (request.id != NULL)
                send_ok(&request.frames[0], request.id);
            release_request(&request);
        }
    }
    fprintf(stderr, "ref_broker: clients=%zu topics=%zu in=%llu out=%llu evictions=%llu\n", broker.clients.count,
            broker.topics.count, (unsigned long long)broker.messages_in, (unsigned long long)broker.messages_out,
            (unsigned long long)broker.evictions);
    zmq_close(broker.socket);
    zmq_ctx_term(context);
    return 0;
}
