#!/usr/bin/env python3
"""A reconnect storm from stock libzmq: COUNT CURVE DEALERs connect to one endpoint at once,
each sends one request, and the run ends when every one of them has a reply (any reply: a
reply means its handshake completed).

usage: storm_clients.py --connect tcp://HOST:PORT --server-key Z85 --count N
           [--sources 127.0.0.2,127.0.0.3] [--request echo|mc0] [--timeout-ms MS]

--sources spreads the connections over these local addresses (libzmq's "tcp://SRC:0;HOST:PORT"
form), so that thousands of connections do not run out of ephemeral ports. --request mc0 sends
an mc0 NOOP (`'' NOOP ID n`), which mc0d answers; echo (the default) sends one frame.

stdout, one line each, flushed:
  READY <count>                  the sockets exist and are connecting
  OK <count> <seconds>           every client has its reply; seconds from READY; exit 0
  FAIL <replied>/<count> ...     the timeout passed first; exit 1
"""

import argparse
import sys
import time

import zmq


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description="libzmq CURVE reconnect storm")
    parser.add_argument("--connect", required=True)
    parser.add_argument("--server-key", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--sources", default="")
    parser.add_argument("--request", choices=["echo", "mc0"], default="echo")
    parser.add_argument("--timeout-ms", type=int, default=120000)
    args = parser.parse_args(sys.argv[1:])
    server_key = args.server_key.encode("ascii")
    target = args.connect[len("tcp://"):]
    sources = [s for s in args.sources.split(",") if s]

    context = zmq.Context()
    context.set(zmq.MAX_SOCKETS, args.count + 64)
    sockets = []
    for n in range(args.count):
        public, secret = zmq.curve_keypair()
        socket = context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.CURVE_SERVERKEY, server_key)
        socket.setsockopt(zmq.CURVE_PUBLICKEY, public)
        socket.setsockopt(zmq.CURVE_SECRETKEY, secret)
        endpoint = f"tcp://{sources[n % len(sources)]}:0;{target}" if sources else args.connect
        socket.connect(endpoint)
        if args.request == "mc0":
            socket.send_multipart([b"", b"NOOP", b"ID", str(n).encode()])
        else:
            socket.send(str(n).encode())
        sockets.append(socket)
    start = time.monotonic()
    say(f"READY {args.count}")

    poller = zmq.Poller()
    for socket in sockets:
        poller.register(socket, zmq.POLLIN)
    waiting = set(sockets)
    deadline = start + args.timeout_ms / 1000
    while waiting and time.monotonic() < deadline:
        ready = poller.poll(100)
        for socket, _ in ready:
            socket.recv_multipart()
            poller.unregister(socket)
            waiting.discard(socket)
        # A poll looks at every socket: sweeping less often leaves the CPU to libzmq's I/O
        # thread, which does the handshakes.
        time.sleep(0.05)
    seconds = time.monotonic() - start
    if waiting:
        say(f"FAIL {args.count - len(waiting)}/{args.count} replied in {seconds:.1f} s")
        code = 1
    else:
        say(f"OK {args.count} {seconds:.3f}")
        code = 0
    for socket in sockets:
        socket.close(0)
    context.term()
    return code


if __name__ == "__main__":
    sys.exit(main())
