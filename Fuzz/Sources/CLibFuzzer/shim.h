// libFuzzer's driver entry point and the sanitizer allocation hooks, from the toolchain's
// compiler-rt (linked by -sanitize=fuzzer,address).
#include <stddef.h>
#include <stdint.h>

// Runs libFuzzer with the command line; SwiftPM renames an executable's `main`, so each fuzz
// target's @main calls this instead of relying on libFuzzer's own main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

// Called by AddressSanitizer on every malloc and free (up to 5 hook pairs per process).
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
