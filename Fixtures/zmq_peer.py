#!/usr/bin/env python3
"""A libzmq peer (through pyzmq) that interop tests launch as a subprocess.

The contract (flags, stdout lines, exit codes) is documented in Fixtures/README.md.
stdout is line-oriented and flushed after every line so a test can read it as it goes;
diagnostics go to stderr.
"""

import argparse
import os
import signal
import sys
import time

import zmq
import zmq.utils.z85
from zmq.utils.monitor import recv_monitor_message

# Bounds on the client's pipeline: messages in flight, and bytes in flight so that
# large messages (4 MiB) do not queue gigabytes.
WINDOW_MESSAGES = 1000
WINDOW_BYTES = 64 * 1024 * 1024
POLL_SLICE_MS = 100  # how often the loops look at SIGTERM and deadlines

HANDSHAKE_FAILURES = {
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "EVENT_HANDSHAKE_FAILED_NO_DETAIL",
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "EVENT_HANDSHAKE_FAILED_PROTOCOL",
    zmq.EVENT_HANDSHAKE_FAILED_AUTH: "EVENT_HANDSHAKE_FAILED_AUTH",
}


class PeerFailure(Exception):
    """Ends the run with `FAIL <reason>` on stdout and exit status 1."""


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def z85_key(text):
    if len(text) != 40:
        raise argparse.ArgumentTypeError(
            f"expected a 40-character Z85 key, got {len(text)} characters")
    try:
        zmq.utils.z85.decode(text)
    except Exception as error:  # pyzmq raises ValueError or KeyError on bad digits
        raise argparse.ArgumentTypeError(f"not a Z85 key: {error}") from None
    return text.encode("ascii")


def non_negative(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


KEY_FLAGS = ("--secret", "--public", "--server-key")


def join_key_values(argv):
    """Z85 keys may start with '-', which argparse takes for a flag: glue them to their flag."""
    joined = []
    index = 0
    while index < len(argv):
        if argv[index] in KEY_FLAGS and index + 1 < len(argv):
            joined.append(f"{argv[index]}={argv[index + 1]}")
            index += 2
        else:
            joined.append(argv[index])
            index += 1
    return joined


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="pyzmq peer for mc0 interop tests")
    parser.add_argument("--type", required=True, choices=["ROUTER", "DEALER"])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--bind", metavar="ENDPOINT")
    where.add_argument("--connect", metavar="ENDPOINT")
    parser.add_argument("--mode", required=True, choices=["echo", "client"])
    parser.add_argument("--identity", help="routing id this socket announces")
    parser.add_argument("--linger", type=non_negative, default=0, metavar="MS")
    parser.add_argument("--curve-server", action="store_true")
    parser.add_argument("--curve-client", action="store_true")
    parser.add_argument("--server-key", type=z85_key, metavar="Z85")
    parser.add_argument("--public", type=z85_key, metavar="Z85")
    parser.add_argument("--secret", type=z85_key, metavar="Z85")
    parser.add_argument("--heartbeat-ivl", type=non_negative, metavar="MS")
    parser.add_argument("--heartbeat-ttl", type=non_negative, metavar="MS")
    parser.add_argument("--heartbeat-timeout", type=non_negative, metavar="MS")
    parser.add_argument("--count", type=non_negative, default=1, metavar="N")
    parser.add_argument("--size", type=non_negative, default=8, metavar="BYTES")
    parser.add_argument("--multipart", action="store_true")
    parser.add_argument("--interval-ms", type=non_negative, metavar="MS")
    parser.add_argument("--fail-on-disconnect", action="store_true")
    parser.add_argument("--timeout-ms", type=non_negative, default=20000, metavar="MS")
    args = parser.parse_args(join_key_values(argv))

    if args.curve_server and args.curve_client:
        parser.error("choose one of --curve-server and --curve-client")
    if args.curve_server and args.secret is None:
        parser.error("--curve-server needs --secret Z85")
    if args.curve_client and None in (args.server_key, args.public, args.secret):
        parser.error("--curve-client needs --server-key, --public and --secret")
    if not (args.curve_server or args.curve_client) and (args.secret or args.public or args.server_key):
        parser.error("keys given without --curve-server or --curve-client")
    if args.mode == "client" and args.type != "DEALER":
        parser.error("--mode client needs --type DEALER")
    if args.mode == "client" and not args.multipart and args.size < 8:
        parser.error("--size must be at least 8 for single-frame messages (they carry an 8-byte index)")
    return args


def configure(sock, args):
    sock.setsockopt(zmq.LINGER, args.linger)
    # Unlimited queues: the peer must never drop an echo nor block on one; the client's
    # window bounds memory instead.
    sock.setsockopt(zmq.SNDHWM, 0)
    sock.setsockopt(zmq.RCVHWM, 0)
    # Only for IPv6 endpoints: with it on, IPv4 ones report themselves as [::ffff:127.0.0.1].
    if "[" in (args.bind or args.connect):
        sock.setsockopt(zmq.IPV6, 1)
    if args.identity is not None:
        sock.setsockopt(zmq.ROUTING_ID, args.identity.encode())
    if args.curve_server:
        sock.setsockopt(zmq.CURVE_SERVER, 1)
        sock.setsockopt(zmq.CURVE_SECRETKEY, args.secret)
        sock.setsockopt(zmq.CURVE_PUBLICKEY, zmq.curve_public(args.secret))
    if args.curve_client:
        sock.setsockopt(zmq.CURVE_SERVERKEY, args.server_key)
        sock.setsockopt(zmq.CURVE_PUBLICKEY, args.public)
        sock.setsockopt(zmq.CURVE_SECRETKEY, args.secret)
    if args.heartbeat_ivl is not None:
        sock.setsockopt(zmq.HEARTBEAT_IVL, args.heartbeat_ivl)
    if args.heartbeat_ttl is not None:
        sock.setsockopt(zmq.HEARTBEAT_TTL, args.heartbeat_ttl)
    if args.heartbeat_timeout is not None:
        sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, args.heartbeat_timeout)


class Monitor:
    """Turns socket events into stdout lines and enforces --fail-on-disconnect."""

    def __init__(self, sock, fail_on_disconnect):
        self.socket = sock.get_monitor_socket(
            zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED
            | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
            | zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        self.fail_on_disconnect = fail_on_disconnect
        self.connected_once = False

    def drain(self):
        while self.socket.poll(0):
            event = recv_monitor_message(self.socket)
            kind, value = event["event"], event["value"]
            if kind == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                self.connected_once = True
                say("HANDSHAKE_OK")
            elif kind == zmq.EVENT_DISCONNECTED:
                say("DISCONNECTED")
                if self.fail_on_disconnect and self.connected_once:
                    raise PeerFailure("disconnected")
            elif kind in HANDSHAKE_FAILURES:
                say(f"HANDSHAKE_FAILED {HANDSHAKE_FAILURES[kind]}")
                print(f"zmq_peer: handshake failed, event value {value:#x} "
                      f"(errno or ZMQ_PROTOCOL_ERROR_* code)", file=sys.stderr, flush=True)
                if self.fail_on_disconnect:
                    raise PeerFailure("disconnected")


class Stop:
    """Set by SIGTERM: the echo loop ends cleanly (exit 0) at its next poll."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self.request)

    def request(self, *_):
        self.requested = True


def run_echo(sock, monitor, args, stop):
    stdin = sys.stdin.fileno()
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    poller.register(monitor.socket, zmq.POLLIN)
    poller.register(stdin, zmq.POLLIN)
    seen = set()
    while not stop.requested:
        ready = dict(poller.poll(POLL_SLICE_MS))
        monitor.drain()
        if ready.get(stdin) and not os.read(stdin, 4096):
            break  # EOF: the test is done with us
        if not ready.get(sock):
            continue
        # Echo everything already queued, not just one message per poll.
        while True:
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK, copy=True)
            except zmq.Again:
                break
            if args.type == "ROUTER" and frames[0] not in seen:
                seen.add(frames[0])
                say(f"PEER {frames[0].hex()}")
            sock.send_multipart(frames)
    return 0


class Messages:
    """The client's deterministic message i (see Fixtures/README.md)."""

    def __init__(self, size, multipart):
        self.size = size
        self.multipart = multipart
        filler_size = size - 8 if size >= 8 else size
        pattern = bytes(range(256))
        self.filler = (pattern * (filler_size // 256 + 1))[:filler_size]

    def payload(self, i):
        if self.size < 8:
            return self.filler
        return i.to_bytes(8, "big") + self.filler

    def frames(self, i):
        if self.multipart:
            return [b"", b"", str(i).encode(), self.payload(i), b""]
        return [self.payload(i)]

    def wire_size(self):
        return self.size + (8 if self.multipart else 0)


def describe_mismatch(expected, got):
    if len(expected) != len(got):
        return f"{len(got)} frames, expected {len(expected)}"
    for index, (want, have) in enumerate(zip(expected, got)):
        if want != have:
            return f"frame {index} differs ({len(have)} bytes, expected {len(want)})"
    return "identical"


def run_client(sock, monitor, args):
    messages = Messages(args.size, args.multipart)
    if args.interval_ms is not None:
        window = 1
    else:
        window = max(1, min(WINDOW_MESSAGES, WINDOW_BYTES // max(1, messages.wire_size())))
    sent = received = 0
    next_send_at = time.monotonic()
    last_progress = time.monotonic()
    poller = zmq.Poller()
    poller.register(monitor.socket, zmq.POLLIN)
    while received < args.count:
        now = time.monotonic()
        can_send = sent < args.count and sent - received < window and now >= next_send_at
        if can_send:
            try:
                sock.send_multipart(messages.frames(sent), zmq.NOBLOCK)
                sent += 1
                continue
            except zmq.Again:
                pass
        events = zmq.POLLIN | (zmq.POLLOUT if can_send else 0)
        poller.register(sock, events)
        wait_ms = POLL_SLICE_MS
        if sent < args.count and sent - received < window and not can_send:
            wait_ms = min(wait_ms, max(0, int((next_send_at - now) * 1000) + 1))
        ready = dict(poller.poll(wait_ms))
        monitor.drain()
        if ready.get(sock, 0) & zmq.POLLIN:
            while received < sent:
                try:
                    got = sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                expected = messages.frames(received)
                if got != expected:
                    raise PeerFailure(f"echo {received} mismatch: {describe_mismatch(expected, got)}")
                received += 1
                last_progress = time.monotonic()
                if args.interval_ms is not None:
                    next_send_at = last_progress + args.interval_ms / 1000
        if (time.monotonic() - last_progress) * 1000 > args.timeout_ms:
            raise PeerFailure(f"timeout: no echo for {args.timeout_ms} ms, "
                              f"{received} of {args.count} received, {sent} sent")
    say(f"OK {args.count}")
    return 0


def main(argv):
    args = parse_arguments(argv)
    context = zmq.Context()
    sock = context.socket(zmq.ROUTER if args.type == "ROUTER" else zmq.DEALER)
    monitor = None
    # Before ENDPOINT is printed: a test may send SIGTERM as soon as it has read that line.
    stop = Stop() if args.mode == "echo" else None
    try:
        configure(sock, args)
        monitor = Monitor(sock, args.fail_on_disconnect)
        if args.bind is not None:
            sock.bind(args.bind)
        else:
            sock.connect(args.connect)
        say(f"ENDPOINT {sock.getsockopt(zmq.LAST_ENDPOINT).decode()}")
        if args.mode == "echo":
            return run_echo(sock, monitor, args, stop)
        return run_client(sock, monitor, args)
    except PeerFailure as failure:
        say(f"FAIL {failure}")
        return 1
    except zmq.ZMQError as error:
        say(f"FAIL zmq error: {error}")
        return 1
    except KeyboardInterrupt:
        say("FAIL interrupted")
        return 1
    finally:
        # Every socket must be closed or context.term() waits forever.
        if monitor is not None:
            sock.disable_monitor()
            monitor.socket.close(linger=0)
        sock.close()
        context.term()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
