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
  subscribers --topic T --count N --clients S [--stuck K] [--ttl MS (60000)] [--progress P]
              [--idle-ms MS]
      S readers and K never-reading clients on libzmq's default high-water marks, in one
      process: all CONNECT and SUB (acked), then READY. Each reader expects the MESSAGEs
      0..N-1 of `publish`; a number skipped counts as lost, one that comes back late as
      reordered. Prints `PROGRESS <m>` each time every reader has got past message m (m a
      multiple of P, default 1000). Ends when every reader is through N, or at --timeout-ms, or
      after MS (default 3000) without a message once stdin says the publisher is done (a line
      `published`, or EOF): flow control may hold messages back while the publisher waits for
      another reader, but not once the last PUT is acknowledged. The never-reading clients
      read from a stdin line `read-stuck` on (or else once the readers are done), until the
      broker's ERROR (or MS without a message, at the end):
      `STUCK <i> messages=<n before the ERROR> in_order=yes|no error=<JSON frames, or null>`.
      Last line: `OK <S> <N> <seconds from the first message to the last>`, or
      `FAIL lost=.. reordered=.. delivered=.. of ..` (exit 1).
  publish --topic T --count N [--start K] [--size BYTES] [--rate PER_SECOND] [--ttl MS]
          [--unpaced]
      CONNECT, then N PUTs with bodies K..K+N-1 (padded with '.' to BYTES), an ID on every
      100th and the last, at most 500 unacknowledged; prints `OK <n> <seconds>` when the last
      is acked. --unpaced: does not wait for acknowledgements until the last, and keeps
      libzmq's default high-water marks, so a send blocks (up to --timeout-ms) only when the
      broker stops reading, as a stock publisher's does.
  torture --clients C --noops N [--ttl MS] [--original]
      C clients each CONNECT and then send N NOOPs with an ID, one at a time, each waiting for
      its OK (the original broker's torture test); prints `OK <C> <N> <seconds>` or FAIL.
      --original: as puppetlabs-toy-chest/mc0d's mc0torture does it: routing id
      `chattyClient <i>`, a CONNECT with only an ID (no VERSION, no TTL, so no heartbeats),
      NOOP IDs `chattyClient <i> <n>`, and a DISCONNECT at the end.

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
    publish.add_argument("--unpaced", action="store_true")
    subscribers = modes.add_parser("subscribers")
    subscribers.add_argument("--topic", required=True)
    subscribers.add_argument("--count", type=int, required=True)
    subscribers.add_argument("--clients", type=int, required=True)
    subscribers.add_argument("--stuck", type=int, default=0)
    subscribers.add_argument("--ttl", type=int, default=60000)
    subscribers.add_argument("--progress", type=int, default=1000)
    subscribers.add_argument("--idle-ms", type=int, default=3000)
    torture = modes.add_parser("torture")
    torture.add_argument("--clients", type=int, required=True)
    torture.add_argument("--noops", type=int, required=True)
    torture.add_argument("--ttl", type=int, default=30000)
    torture.add_argument("--original", action="store_true")
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

    def __init__(self, context, args, identity=None, monitor=False, stock_hwm=False):
        self.socket = context.socket(zmq.DEALER)
        self.socket.linger = 0
        if stock_hwm:
            # libzmq's defaults (1000 each way), as users get them; a blocked send is bounded.
            self.socket.sndtimeo = args.timeout_ms
        else:
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
        self.expect_ok(ack, deadline)

    def connect(self, ttl, deadline):
        self.request(frames_of("", "CONNECT", "VERSION", "0.3", "TTL", str(ttl), "ID", "connect"), "connect", deadline)
        self.ttl = ttl

    def expect_ok(self, ack, deadline):
        """Waits for OK ID ack (after `send`), skipping broker NOOPs."""
        while True:
            reply = receive(self.socket, deadline)
            if reply == frames_of("", "NOOP"):
                continue
            if reply != frames_of("", "OK", "ID", ack):
                raise Failure(f"expected OK ID {ack}, got {show(reply)}")
            return


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


def take_ack(reply):
    """The number acknowledged by an `OK ID n` reply to a PUT; None for a broker NOOP."""
    if reply == frames_of("", "NOOP"):
        return None
    if len(reply) != 4 or reply[:3] != frames_of("", "OK", "ID"):
        raise Failure(f"expected OK, got {show(reply)}")
    return int(reply[3])


def run_publish(context, args):
    deadline = time.monotonic() + args.timeout_ms / 1000
    client = Client(context, args, args.identity, stock_hwm=args.unpaced)
    client.connect(args.ttl, deadline)
    window = float("inf") if args.unpaced else 500
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
        try:
            client.send(frames + [b"", body])
        except zmq.Again:
            raise Failure(f"PUT {number} could not be sent for {args.timeout_ms} ms")
        # Unpaced, acks are taken as they come, so that they never fill the receive pipe.
        while args.unpaced and number % 100 == 99 and client.socket.poll(0):
            acked = take_ack(client.socket.recv_multipart()) or acked
        while number - acked > window or (last and acked < number):
            acked = take_ack(receive(client.socket, deadline)) or acked
    say(f"OK {args.count} {time.monotonic() - start:.3f}")
    return 0


class Reader:
    """One subscriber of `subscribers`: where it is in the sequence, and what it missed."""

    def __init__(self, client):
        self.client = client
        self.expected = 0
        self.delivered = 0
        self.lost = 0
        self.reordered = 0
        self.error = None  # a never-reading client's ERROR from the broker

    def take(self, frames, topic):
        if frames == frames_of("", "NOOP"):
            return
        if frames[:4] != frames_of("", "MESSAGE", "TOPIC", topic) or b"" not in frames[4:]:
            raise Failure(f"expected a MESSAGE on {topic}, got {show(frames)}")
        body = frames[frames.index(b"", 4) + 1:]
        if len(body) != 1 or not body[0].rstrip(b".").isdigit():
            raise Failure(f"altered body: {show(body)}")
        number = int(body[0].rstrip(b"."))
        self.delivered += 1
        if number < self.expected:
            self.reordered += 1
            return
        self.lost += number - self.expected
        self.expected = number + 1


def register_all(clients, ttl, topic, deadline):
    """CONNECT, then SUB, on every client at once, each acked."""
    for client in clients:
        client.send(frames_of("", "CONNECT", "VERSION", "0.3", "TTL", str(ttl), "ID", "connect"))
    for client in clients:
        client.expect_ok("connect", deadline)
        client.ttl = ttl
    for client in clients:
        client.send(frames_of("", "SUB", "ID", "sub", "", topic))
    for client in clients:
        client.expect_ok("sub", deadline)


def take_stuck(stuck, socket, topic):
    """What a never-reading client has been sent: messages in order, then the broker's ERROR."""
    while stuck.error is None and socket.poll(0):
        frames = socket.recv_multipart()
        if frames[:2] == frames_of("", "ERROR"):
            stuck.error = show(frames)
        else:
            stuck.take(frames, topic)


def run_subscribers(context, args):
    deadline = time.monotonic() + args.timeout_ms / 1000
    readers = [Reader(Client(context, args, stock_hwm=True)) for _ in range(args.clients)]
    stuck = [Reader(Client(context, args, stock_hwm=True)) for _ in range(args.stuck)]
    register_all([r.client for r in readers + stuck], args.ttl, args.topic, deadline)
    say("READY")
    poller = zmq.Poller()
    by_socket = {}
    for reader in readers:
        poller.register(reader.client.socket, zmq.POLLIN)
        by_socket[reader.client.socket] = reader
    stuck_by_socket = {s.client.socket: s for s in stuck}
    poller.register(sys.stdin.fileno(), zmq.POLLIN)
    first_heard = None
    published = None  # idleness counts once the publisher is done
    reported = 0
    while min(r.expected for r in readers) < args.count:
        now = time.monotonic()
        if (published and now - published > args.idle_ms / 1000) or now >= deadline:
            break
        for reader in readers:
            reader.client.heartbeat_if_due()
        for socket, _ in poller.poll(100):
            if socket == sys.stdin.fileno():
                line = sys.stdin.readline().strip()
                if line == "read-stuck":
                    for stuck_socket in stuck_by_socket:
                        poller.register(stuck_socket, zmq.POLLIN)
                elif line in ("", "published"):
                    published = time.monotonic()
                    poller.unregister(sys.stdin.fileno())
                continue
            if socket in stuck_by_socket:
                take_stuck(stuck_by_socket[socket], socket, args.topic)
                if stuck_by_socket[socket].error:
                    poller.unregister(socket)
                continue
            reader = by_socket[socket]
            while socket.poll(0):
                reader.take(socket.recv_multipart(), args.topic)
            last_heard = time.monotonic()
            first_heard = first_heard or last_heard
            published = published and last_heard
        reached = min(r.expected for r in readers) // args.progress * args.progress
        if reached > reported:
            reported = reached
            say(f"PROGRESS {reached}")
    seconds = last_heard - first_heard if first_heard else 0
    lost = sum(r.lost + max(0, args.count - r.expected) for r in readers)
    reordered = sum(r.reordered for r in readers)
    delivered = sum(r.delivered for r in readers)
    for index, never in enumerate(stuck):
        # Those not told to read yet read now, until an ERROR or a silence.
        while never.error is None and never.client.socket.poll(args.idle_ms):
            take_stuck(never, never.client.socket, args.topic)
        in_order = "yes" if never.lost == 0 and never.reordered == 0 else "no"
        say(f"STUCK {index} messages={never.delivered} in_order={in_order} error={never.error or 'null'}")
    if lost or reordered:
        raise Failure(f"lost={lost} reordered={reordered} delivered={delivered} of {args.clients * args.count}")
    say(f"OK {args.clients} {args.count} {seconds:.3f}")
    return 0


def run_torture(context, args):
    deadline = time.monotonic() + args.timeout_ms / 1000
    clients = []
    for index in range(args.clients):
        identity = f"chattyClient {index}" if args.original else None
        client = Client(context, args, identity, stock_hwm=args.original)
        client.prefix = f"{identity} " if args.original else ""
        clients.append(client)
    start = time.monotonic()
    poller = zmq.Poller()
    for client in clients:
        if args.original:
            client.expected = client.socket.identity.decode()
            client.send(frames_of("", "CONNECT", "ID", client.expected))
        else:
            client.expected = "connect"
            client.send(frames_of("", "CONNECT", "VERSION", "0.3", "TTL", str(args.ttl), "ID", client.expected))
        client.done = -1
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
            client.done += 1
            if client.done == args.noops:
                finished += 1
                poller.unregister(socket)
                if args.original:
                    client.send(frames_of("", "DISCONNECT"))
                continue
            client.expected = f"{client.prefix}{client.done}"
            client.send(frames_of("", "NOOP", "ID", client.expected))
    say(f"OK {args.clients} {args.noops} {time.monotonic() - start:.3f}")
    return 0


def main():
    args = parse_arguments()
    context = zmq.Context()
    modes = {"script": run_script, "subscribe": run_subscribe, "subscribers": run_subscribers, "publish": run_publish,
             "torture": run_torture}
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
