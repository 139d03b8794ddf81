#!/bin/sh
# Builds the libzmq benchmark peers into Benchmarks/bin/ (gitignored). Any warning fails the
# build: -Werror. Needs gcc, libzmq3-dev and libsodium-dev.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/bin"
cflags="-O2 -Wall -Wextra -Werror -std=c11"
for program in zmq_thr zmq_lat zmq_hs zmq_inproc_thr zmq_pattern ref_broker mc0_load; do
    # bench_common.c is #included by each program, not compiled on its own.
    gcc $cflags -pthread -o "$here/bin/$program" "$here/$program.c" -lzmq
done
for program in curve_floor broker_floor; do
    gcc $cflags -pthread -o "$here/bin/$program" "$here/$program.c" -lzmq -lsodium
done
echo "built $(ls "$here/bin" | tr '\n' ' ')into $here/bin"
