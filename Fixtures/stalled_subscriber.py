#!/usr/bin/env python3
"""An mc0 subscriber on a pyzmq (libzmq) DEALER that stops reading: the slow consumer of the
metrics tests.

    python3 Fixtures/stalled_subscriber.py --endpoint tcp://127.0.0.1:PORT (--server-key=Z85 | --no-curve) --topic T

CONNECT (TTL 0: no heartbeats, so it is never evicted for silence) and SUB, both acknowledged,
print READY, then never read again until stdin closes. A receive high-water mark of one message
and a small kernel receive buffer make the broker's queue for it fill soon.
"""
import argparse
import sys

import zmq


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    security = parser.add_mutually_exclusive_group(required=True)
    security.add_argument("--server-key")
    security.add_argument("--no-curve", action="store_true")
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.DEALER)
    socket.linger = 0
    socket.rcvhwm = 1
    socket.rcvbuf = 4096
    if args.server_key:
        public, secret = zmq.curve_keypair()
        socket.curve_serverkey = args.server_key.encode()
        socket.curve_publickey = public
        socket.curve_secretkey = secret
    socket.connect(args.endpoint)
    for frames, ack in (([b"", b"CONNECT", b"VERSION", b"0.3", b"TTL", b"0", b"ID", b"c"], b"c"),
                        ([b"", b"SUB", b"ID", b"s", b"", args.topic.encode()], b"s")):
        socket.send_multipart(frames)
        if not socket.poll(30000):
            print("FAIL no acknowledgement", flush=True)
            return 1
        reply = socket.recv_multipart()
        if reply != [b"", b"OK", b"ID", ack]:
            print(f"FAIL unexpected reply {reply}", flush=True)
            return 1
    print("READY", flush=True)
    sys.stdin.read()
    socket.close()
    context.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
