#!/usr/bin/env python3
"""A raw-socket mc0 client that stops mid-message, for fault tests of mc0d (--no-curve).

    python3 Fixtures/hostile_client.py --port PORT [--host 127.0.0.1] [--announce BYTES] [--send BYTES]

Completes a ZMTP 3.1 NULL handshake as a DEALER, sends CONNECT and waits for its OK, then sends
the first frames of a PUT and a body frame announcing --announce bytes (default 1 MiB) of which
only --send bytes (default half) follow. Prints `HALF` once those bytes are written and then
waits, silent, until it is killed (the test sends SIGKILL) or stdin closes.
Prints `FAIL <reason>` and exits 1 if the handshake or the CONNECT does not go through.
"""

import argparse
import socket
import struct
import sys


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def frame(body, more=False, command=False):
    flags = (0x01 if more else 0) | (0x04 if command else 0)
    if len(body) < 256:
        return bytes([flags, len(body)]) + body
    return bytes([flags | 0x02]) + struct.pack(">Q", len(body)) + body


def message(*frames):
    return b"".join(frame(f, more=i < len(frames) - 1) for i, f in enumerate(frames))


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError(f"broker closed the connection after {len(data)} of {count} bytes")
        data += chunk
    return data


def read_frame(sock):
    flags, size = read_exactly(sock, 2)
    if flags & 0x02:
        size = struct.unpack(">Q", bytes([size]) + read_exactly(sock, 7))[0]
    return flags, read_exactly(sock, size)


def read_message(sock):
    """The next multipart message, skipping commands."""
    frames = []
    while True:
        flags, body = read_frame(sock)
        if flags & 0x04:
            continue
        frames.append(body)
        if not flags & 0x01:
            return frames


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--announce", type=int, default=1 << 20)
    parser.add_argument("--send", type=int)
    args = parser.parse_args()
    send = args.announce // 2 if args.send is None else args.send
    if not 0 <= send < args.announce:
        parser.error("--send must be below --announce: the message must stay unfinished")

    sock = socket.create_connection((args.host, args.port), timeout=10)
    greeting = b"\xff" + b"\x00" * 8 + b"\x7f\x03\x01" + b"NULL".ljust(20, b"\x00") + b"\x00" * 32
    ready = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
    try:
        sock.sendall(greeting + frame(ready, command=True))
        read_exactly(sock, 64)
        flags, _ = read_frame(sock)
        if not flags & 0x04:
            raise ConnectionError("expected the broker's READY command")
        sock.sendall(message(b"", b"CONNECT", b"VERSION", b"0.3", b"TTL", b"60000", b"ID", b"c"))
        while True:
            reply = read_message(sock)
            if reply != [b"", b"NOOP"]:
                break
        if reply != [b"", b"OK", b"ID", b"c"]:
            raise ConnectionError(f"expected OK ID c, got {reply!r}")
    except (OSError, ValueError) as error:
        say(f"FAIL {error}")
        return 1

    head = b"".join(frame(f, more=True) for f in (b"", b"PUT", b"TOPIC", b"t", b""))
    body_header = bytes([0x02]) + struct.pack(">Q", args.announce)
    sock.sendall(head + body_header + b"x" * send)
    say("HALF")
    sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
