#!/usr/bin/env python3
"""An mc0 client on a pyzmq (libzmq) DEALER, for end-to-end tests and benchmarks of mc0d.

    python3 Fixtures/mc0_client.py --endpoint tcp://127.0.0.1:PORT (--server-key Z85 | --no-curve)
        [--public Z85 --secret Z85] [--identity TEXT] [--timeout-ms MS (default 30000)] MODE ...

CURVE keys are 40 Z85 characters; write them glued to their flag (`--server-key=KEY`) since a
key may begin with '-'. Without --public/--secret the client makes a fresh key pair.

Modes (stdout is line-oriented and flushed; diagnostics go to stderr):

  script [--auto-noop MS]
      Reads one JSON command per stdin line and prints every message the broker sends as
      `RECV <ms since start> <JSON list of frames>` (frames as UTF-8 text). Commands:
        ["", "CONNECT", "VERSION", "0.3", "TTL", "1000"]   send these frames
        {"send": [...frames], "filler": N}                   send frames plus one frame of N bytes
        {"sleep_ms": N}                                      stay silent N ms (still printing)
      --auto-noop MS sends ["", "NOOP"] every MS ms (the client's own heartbeat).
      Also prints HANDSHAKE_OK, HANDSHAKE_FAILED <event> and DISCONNECTED (socket monitor).
      Exits 0 at stdin EOF, once the commands ran and the broker was quiet for 0.3 s.
  subscribe --topic T --count N [--ttl MS]
      CONNECT and SUB (both acked), prints READY, then expects N MESSAGEs whose bodies are the
      numbers 0..N-1 in order (as `publish` sends them); prints PROGRESS <n> every 100 and
      `OK <n> <seconds>`, or `FAIL <reason>` (exit 1).
  publish --topic T --count N [--start K] [--size BYTES] [--rate PER_SECOND] [--ttl MS]
      CONNECT, then N PUTs with bodies K..K+N-1 (padded with '.' to BYTES), an ID on every
      100th and the last, at most 500 unacknowledged; prints `OK <n> <seconds>` when the last
      is acked.
  torture --clients C --noops N [--ttl MS]
      C clients each CONNECT and then send N NOOPs with an ID, one at a time, each waiting for
      its OK (the original broker's torture test); prints `OK <C> <N> <seconds>` or FAIL.

Heartbeats: subscribe, publish and torture send a NOOP after TTL/2 of silence on their own.
"""

import argparse
import json
import os
import sys
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

EVENTS = {
    zmq.EVENT_HANDSHAKE_SUCCEEDED: "HANDSHAKE_OK",
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "HANDSHAKE_FAILED EVENT_HANDSHAKE_FAILED_NO_DETAIL",
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "HANDSHAKE_FAILED EVENT_HANDSHAKE_FAILED_PROTOCOL",
    zmq.EVENT_HANDSHAKE_FAILED_AUTH: "HANDSHAKE_FAILED EVENT_HANDSHAKE_FAILED_AUTH",
    zmq.EVENT_DISCONNECTED: "DISCONNECTED",
}


DRAIN_SECONDS = 0.3


class Failure(Exception):
    """Ends the run with `FAIL <reason>` and exit status 1."""


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def frames_of(*texts):
    return [t if isinstance(t, bytes) else t.encode() for t in texts]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    security = parser.add_mutually_exclusive_group(required=True)
    security.add_argument("--server-key")
    security.add_argument("--no-curve", action="store_true")
    parser.add_argument("--public")
    parser.add_argument("--secret")
    parser.add_argument("--identity")
    parser.add_argument("--timeout-ms", type=int, default=30000)
    modes = parser.add_subparsers(dest="mode", required=True)
    script = modes.add_parser("script")
    script.add_argument("--auto-noop", type=int, default=0, metavar="MS")
    for name in ("subscribe", "publish"):
        mode = modes.add_parser(name)
        mode.add_argument("--topic", required=True)
        mode.add_argument("--count", type=int, required=True)
        mode.add_argument("--ttl", type=int, default=30000)
    publish = modes.choices["publish"]
    publish.add_argument("--start", type=int, default=0)
    publish.add_argument("--size", type=int, default=0)
    publish.add_argument("--rate", type=float, default=0)
    torture = modes.add_parser("torture")
    torture.add_argument("--clients", type=int, required=True)
    torture.add_argument("--noops", type=int, required=True)
    torture.add_argument("--ttl", type=int, default=30000)
    args = parser.parse_args()
    for flag in ("server_key", "public", "secret"):
        value = getattr(args, flag)
        if value is not None and len(value) != 40:
            parser.error(f"--{flag.replace('_', '-')}: expected 40 Z85 characters, got {len(value)}")
    if (args.public is None) != (args.secret is None):
        parser.error("--public and --secret go together")
    return args


class Client:
    """One DEALER speaking mc0, with its own heartbeat clock."""

    def __init__(self, context, args, identity=None, monitor=False):
        self.socket = context.socket(zmq.DEALER)
        self.socket.linger = 0
        self.socket.rcvhwm = 0
        self.socket.sndhwm = 0
        if args.server_key:
            public, secret = (args.public.encode(), args.secret.encode()) if args.public else zmq.curve_keypair()
            self.socket.curve_serverkey = args.server_key.encode()
            self.socket.curve_publickey = public
            self.socket.curve_secretkey = secret
        if identity:
            self.socket.identity = identity.encode()
        self.monitor = self.socket.get_monitor_socket() if monitor else None
        self.socket.connect(args.endpoint)
        self.last_sent = time.monotonic()
        self.ttl = None

    def send(self, frames):
        self.socket.send_multipart(frames)
        self.last_sent = time.monotonic()

    def heartbeat_if_due(self):
        if self.ttl and time.monotonic() - self.last_sent > self.ttl / 2000:
            self.send(frames_of("", "NOOP"))

    def request(self, frames, ack, deadline):
        """Sends frames (which carry ID ack) and waits for its OK, skipping broker NOOPs."""
        self.send(frames)
        while True:
            reply = receive(self.socket, deadline)
            if reply == frames_of("", "NOOP"):
                continue
            if reply != frames_of("", "OK", "ID", ack):
                raise Failure(f"expected OK ID {ack}, got {show(reply)}")
            return

    def connect(self, ttl, deadline):
        self.request(frames_of("", "CONNECT", "VERSION", "0.3", "TTL", str(ttl), "ID", "connect"), "connect", deadline)
        self.ttl = ttl


def show(frames):
    return json.dumps([f.decode("utf-8", "backslashreplace") for f in frames])


def receive(socket, deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not socket.poll(int(remaining * 1000) + 1):
        raise Failure("timeout waiting for the broker")
    return socket.recv_multipart()


def run_script(context, args):
    client = Client(context, args, args.identity, monitor=True)
    poller = zmq.Poller()
    poller.register(client.socket, zmq.POLLIN)
    poller.register(client.monitor, zmq.POLLIN)
    poller.register(sys.stdin.fileno(), zmq.POLLIN)
    start = time.monotonic()
    pending = b""
    commands = []
    silent_until = 0.0
    stdin_open = True
    last_heard = start
    # After stdin EOF and the last command, replies still in flight are printed for a moment.
    while stdin_open or commands or time.monotonic() - max(last_heard, client.last_sent) < DRAIN_SECONDS:
        now = time.monotonic()
        if commands and now >= silent_until:
            command = commands.pop(0)
            if isinstance(command, dict) and "sleep_ms" in command:
                silent_until = now + command["sleep_ms"] / 1000
            elif isinstance(command, dict):
                client.send(frames_of(*command["send"]) + [b"x" * command.get("filler", 0)])
            else:
                client.send(frames_of(*command))
            continue
        if args.auto_noop and now >= silent_until and now - client.last_sent >= args.auto_noop / 1000:
            client.send(frames_of("", "NOOP"))
        timeout = 100
        if args.auto_noop:
            timeout = max(1, int((client.last_sent + args.auto_noop / 1000 - now) * 1000))
        if commands:
            timeout = max(1, min(timeout, int((silent_until - now) * 1000)))
        for item, _ in poller.poll(timeout):
            if item is client.socket:
                while client.socket.poll(0):
                    frames = client.socket.recv_multipart()
                    last_heard = time.monotonic()
                    say(f"RECV {int((last_heard - start) * 1000)} {show(frames)}")
            elif item is client.monitor:
                event = recv_monitor_message(client.monitor)["event"]
                if event in EVENTS:
                    say(EVENTS[event])
            else:
                chunk = os.read(sys.stdin.fileno(), 1 << 16)
                if not chunk:
                    stdin_open = False
                    poller.unregister(sys.stdin.fileno())
                pending += chunk
                *lines, pending = pending.split(b"\n")
                commands += [json.loads(line) for line in lines if line.strip()]
    return 0


def run_subscribe(context, args):
    deadline = time.monotonic() + args.timeout_ms / 1000
    client = Client(context, args, args.identity)
    client.connect(args.ttl, deadline)
    client.request(frames_of("", "SUB", "ID", "sub", "", args.topic), "sub", deadline)
    say("READY")
    start = time.monotonic()
    received = 0
    while received < args.count:
        client.heartbeat_if_due()
        try:
            frames = receive(client.socket, min(deadline, time.monotonic() + client.ttl / 2000))
        except Failure:
            if time.monotonic() >= deadline:
                raise Failure(f"timeout after {received} of {args.count} messages")
            continue
        if frames == frames_of("", "NOOP"):
            continue
        if frames[:4] != frames_of("", "MESSAGE", "TOPIC", args.topic) or b"" not in frames[4:]:
            raise Failure(f"expected a MESSAGE on {args.topic}, got {show(frames)}")
        body = frames[frames.index(b"", 4) + 1:]
        if len(body) != 1 or body[0].rstrip(b".") != str(received).encode():
            raise Failure(f"message {received} out of order or altered: {show(body)}")
        received += 1
        if received % 100 == 0:
            say(f"PROGRESS {received}")
    say(f"OK {received} {time.monotonic() - start:.3f}")
    return 0


def run_publish(context, args):
    deadline = time.monotonic() + args.timeout_ms / 1000
    client = Client(context, args, args.identity)
    client.connect(args.ttl, deadline)
    start = time.monotonic()
    acked = args.start - 1
    for number in range(args.start, args.start + args.count):
        if args.rate:
            delay = start + (number - args.start) / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        body = str(number).encode()
        body += b"." * max(0, args.size - len(body))
        frames = frames_of("", "PUT", "TOPIC", args.topic, "X-SEQ", str(number))
        last = number == args.start + args.count - 1
        if number % 100 == 99 or last:
            frames += frames_of("ID", str(number))
        client.send(frames + [b"", body])
        while number - acked > 500 or (last and acked < number):
            reply = receive(client.socket, deadline)
            if reply == frames_of("", "NOOP"):
                continue
            if len(reply) != 4 or reply[:3] != frames_of("", "OK", "ID"):
                raise Failure(f"expected OK, got {show(reply)}")
            acked = int(reply[3])
    say(f"OK {args.count} {time.monotonic() - start:.3f}")
    return 0


def run_torture(context, args):
    deadline = time.monotonic() + args.timeout_ms / 1000
    clients = [Client(context, args) for _ in range(args.clients)]
    start = time.monotonic()
    poller = zmq.Poller()
    for client in clients:
        client.send(frames_of("", "CONNECT", "VERSION", "0.3", "TTL", str(args.ttl), "ID", "connect"))
        client.expected = "connect"
        client.done = 0
        poller.register(client.socket, zmq.POLLIN)
    by_socket = {client.socket: client for client in clients}
    finished = 0
    while finished < len(clients):
        if time.monotonic() >= deadline:
            raise Failure(f"timeout: {finished} of {len(clients)} clients finished")
        for socket, _ in poller.poll(100):
            client = by_socket[socket]
            reply = socket.recv_multipart()
            if reply == frames_of("", "NOOP"):
                continue
            if reply != frames_of("", "OK", "ID", client.expected):
                raise Failure(f"client {clients.index(client)}: expected OK ID {client.expected}, got {show(reply)}")
            if client.expected != "connect":
                client.done += 1
            if client.done == args.noops:
                finished += 1
                poller.unregister(socket)
                continue
            client.expected = str(client.done)
            client.send(frames_of("", "NOOP", "ID", client.expected))
    say(f"OK {args.clients} {args.noops} {time.monotonic() - start:.3f}")
    return 0


def main():
    args = parse_arguments()
    context = zmq.Context()
    modes = {"script": run_script, "subscribe": run_subscribe, "publish": run_publish, "torture": run_torture}
    try:
        status = modes[args.mode](context, args)
    except Failure as failure:
        say(f"FAIL {failure}")
        status = 1
    except KeyboardInterrupt:
        status = 130
    context.destroy(linger=0)
    return status


if __name__ == "__main__":
    sys.exit(main())
