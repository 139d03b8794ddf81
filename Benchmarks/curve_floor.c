/* The floor of CURVE throughput at a message size: what any implementation must spend per
 * message, measured on one thread with libsodium. Per message: one crypto_box seal
 * (XSalsa20-Poly1305 with a precomputed key, as CURVE's MESSAGE command), one open, and two
 * copies of the box (the kernel's copy into the sending socket and out of the receiving one).
 * Prints the CPU microseconds of each and the floor: the sum, and the message rate two
 * processes on two cores would reach if they cost nothing else (2 / floor). */

#include "bench_common.c"

#include <sodium.h>

static const char usage[] = "usage: curve_floor --size BYTES --count N\n";

int main(int argc, char **argv)
{
    long size = 65536, count = 20000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0)
            size = parse_long("--size", flag_value(argc, argv, &i), 1, 1L << 26);
        else if (strcmp(argv[i], "--count") == 0)
            count = parse_long("--count", flag_value(argc, argv, &i), 1, 1L << 30);
        else {
            fprintf(stderr, "curve_floor: unknown argument '%s'\n%s", argv[i], usage);
            exit(2);
        }
    }
    if (sodium_init() < 0)
        die("sodium_init failed");
    unsigned char server_public[crypto_box_PUBLICKEYBYTES], server_secret[crypto_box_SECRETKEYBYTES];
    unsigned char client_public[crypto_box_PUBLICKEYBYTES], client_secret[crypto_box_SECRETKEYBYTES];
    unsigned char key[crypto_box_BEFORENMBYTES], nonce[crypto_box_NONCEBYTES] = {0};
    crypto_box_keypair(server_public, server_secret);
    crypto_box_keypair(client_public, client_secret);
    check(crypto_box_beforenm(key, server_public, client_secret), "crypto_box_beforenm");
    size_t boxed = (size_t)size + crypto_box_MACBYTES;
    unsigned char *plain = malloc((size_t)size), *box = malloc(boxed), *wire = malloc(boxed), *opened = malloc((size_t)size);
    if (plain == NULL || box == NULL || wire == NULL || opened == NULL)
        die("cannot allocate %ld bytes", size);
    memset(plain, 'm', (size_t)size);
    uint64_t seal = 0, open = 0, copy = 0;
    for (long n = 0; n < count; n++) {
        put_sequence(nonce + crypto_box_NONCEBYTES - 8, (uint64_t)n);
        uint64_t t0 = cpu_ns();
        crypto_box_easy_afternm(box, plain, (unsigned long long)size, nonce, key);
        uint64_t t1 = cpu_ns();
        memcpy(wire, box, boxed);
        memcpy(box, wire, boxed);
        uint64_t t2 = cpu_ns();
        if (crypto_box_open_easy_afternm(opened, box, boxed, nonce, key) != 0)
            die("message %ld did not open", n);
        uint64_t t3 = cpu_ns();
        seal += t1 - t0;
        copy += t2 - t1;
        open += t3 - t2;
    }
    double per = 1e3 * (double)count, floor_us = (double)(seal + open + copy) / per;
    printf("seal_us=%.3f open_us=%.3f copies_us=%.3f floor_cpu_us=%.3f floor_msgs/s=%.0f size=%ld count=%ld\n",
           (double)seal / per, (double)open / per, (double)copy / per, floor_us, 2e6 / floor_us, size, count);
    free(plain);
    free(box);
    free(wire);
    free(opened);
    return 0;
}
