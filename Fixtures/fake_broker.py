#!/usr/bin/env python3
"""A small mc0 broker written with pyzmq (libzmq), for connector tests: it plays the broker
side of mc0 (PROTOCOL.md) with scripted misbehaviour, and proves the connector works with a
broker that is not ours.

    python3 Fixtures/fake_broker.py [--bind ENDPOINT] [--curve-secret-file PATH]
        [--message-before-first-sub-ok] [--no-heartbeat]

Behaviour: CONNECT (VERSION, TTL) opens a session; SUB/UNSUB/PUT/NOOP need one, else
ERROR "not connected ... send CONNECT again ..."; every command with an ID gets OK (or
ERROR) with that ID; PUT sends MESSAGE to each subscriber of TOPIC before its OK; each
session gets a NOOP 0.5 x TTL after the broker last sent it something.

Flags:
  --bind ENDPOINT                 default tcp://127.0.0.1:0 (ephemeral port)
  --curve-secret-file PATH        CURVE server with the Z85 secret key in PATH (curve_keygen
                                  format, e.g. written by `mc0 keygen`); every client key is accepted
  --message-before-first-sub-ok   on the first SUB, send a MESSAGE on its first topic (header
                                  X-EARLY = 1, body "early") before the OK: the ack-matching race
  --no-heartbeat                  never send NOOPs (the broker looks silent to an idle client)

Commands on stdin, one per line (answered with "DONE <command>" on stdout):
  MUTE                  stop answering and heartbeating every current session (a hung broker,
                        as seen by those clients); new routing ids are served normally
  EVICT                 forget every session: their next command gets the "CONNECT again" ERROR
  PUBLISH TOPIC BODY    send MESSAGE TOPIC BODY to the subscribers of TOPIC (no spaces in TOPIC:
                        use '+' for a space)
EOF at stdin or SIGTERM stops it.

stdout lines: "ENDPOINT <endpoint>", "CONNECT ttl=<ms> rid=<routing id>",
"RECV <VERB> rid=<routing id> topics=<t1|t2>" for every message from a client.
"""
import argparse
import os
import signal
import sys
import time

import zmq

NOT_CONNECTED = ("not connected (never connected, or dropped after a TTL of silence): "
                 "send CONNECT again, then retry {}")


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class FakeBroker:
    def __init__(self, args):
        self.args = args
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.ROUTER_HANDOVER, 1)
        if args.curve_secret_file:
            with open(args.curve_secret_file) as f:
                secret = f.read().strip().encode()
            self.sock.curve_server = True
            self.sock.curve_secretkey = secret
            self.sock.curve_publickey = zmq.curve_public(secret)
        self.sock.bind(args.bind)
        self.sessions = {}      # rid -> {"ttl": ms, "next_noop": t}
        self.subs = {}          # topic bytes -> set of rids
        self.muted = set()
        self.first_sub_seen = False

    def send(self, rid, frames):
        self.sock.send_multipart([rid, b""] + frames)
        session = self.sessions.get(rid)
        if session:
            session["next_noop"] = time.monotonic() + session["ttl"] / 2000.0

    def answer(self, rid, ident, error=None):
        if error is not None:
            frames = [b"ERROR", b"MESSAGE", error.encode()]
            if ident is not None:
                frames += [b"ID", ident]
            self.send(rid, frames)
        elif ident is not None:
            self.send(rid, [b"OK", b"ID", ident])

    def handle(self, frames):
        rid, rest = frames[0], frames[1:]
        if not rest or rest[0] != b"" or len(rest) < 2:
            self.answer(rid, None, "malformed message")
            return
        verb = rest[1].decode(errors="replace")
        headers, positional, i = {}, [], 2
        while i < len(rest):
            if rest[i] == b"":
                positional = rest[i + 1:]
                break
            if i + 1 >= len(rest):
                self.answer(rid, None, "malformed message: odd header list")
                return
            headers[rest[i].decode(errors="replace")] = rest[i + 1]
            i += 2
        ident = headers.get("ID")
        rid_text = rid.decode(errors="replace")
        shown = "|".join(p.decode(errors="replace") for p in positional) if verb in ("SUB", "UNSUB") else ""
        out(f"RECV {verb} rid={rid_text} topics={shown}")
        if rid in self.muted:
            return
        if verb == "CONNECT":
            ttl = int(headers.get("TTL", b"0"))
            self.sessions[rid] = {"ttl": ttl, "next_noop": 0}
            out(f"CONNECT ttl={ttl} rid={rid_text}")
            self.answer(rid, ident)
            return
        if verb == "DISCONNECT":
            self.forget(rid)
            self.answer(rid, ident)
            return
        if rid not in self.sessions:
            self.answer(rid, ident, NOT_CONNECTED.format(verb))
            return
        if verb == "SUB":
            if not self.first_sub_seen and self.args.message_before_first_sub_ok and positional:
                self.send(rid, [b"MESSAGE", b"TOPIC", positional[0], b"X-EARLY", b"1", b"", b"early"])
            self.first_sub_seen = True
            for topic in positional:
                self.subs.setdefault(topic, set()).add(rid)
        elif verb == "UNSUB":
            for topic in positional:
                self.subs.get(topic, set()).discard(rid)
        elif verb == "PUT":
            topic = headers.get("TOPIC")
            extra = []
            for key, value in headers.items():
                if key not in ("TOPIC", "ID"):
                    extra += [key.encode(), value]
            self.publish(topic, extra, positional)
        self.answer(rid, ident)

    def publish(self, topic, headers, body):
        for sub in sorted(self.subs.get(topic, ())):
            if sub not in self.muted:
                self.send(sub, [b"MESSAGE", b"TOPIC", topic] + headers + [b""] + list(body))

    def forget(self, rid):
        self.sessions.pop(rid, None)
        for subscribers in self.subs.values():
            subscribers.discard(rid)

    def command(self, line):
        words = line.split(" ", 2)
        if words[0] == "MUTE":
            self.muted |= set(self.sessions)
        elif words[0] == "EVICT":
            for rid in list(self.sessions):
                self.forget(rid)
        elif words[0] == "PUBLISH" and len(words) == 3:
            self.publish(words[1].replace("+", " ").encode(), [], [words[2].encode()])
        else:
            out(f"UNKNOWN {line}")
            return
        out(f"DONE {words[0]}")

    def heartbeat(self):
        if self.args.no_heartbeat:
            return
        now = time.monotonic()
        for rid, session in list(self.sessions.items()):
            if rid not in self.muted and now >= session["next_noop"]:
                self.send(rid, [b"NOOP"])

    def run(self):
        out(f"ENDPOINT {self.sock.getsockopt(zmq.LAST_ENDPOINT).decode()}")
        poller = zmq.Poller()
        poller.register(self.sock, zmq.POLLIN)
        poller.register(sys.stdin.fileno(), zmq.POLLIN)
        pending = b""
        while True:
            for item, _ in poller.poll(10):
                if item is self.sock:
                    while True:
                        try:
                            self.handle(self.sock.recv_multipart(zmq.NOBLOCK))
                        except zmq.Again:
                            break
                else:
                    chunk = os.read(sys.stdin.fileno(), 4096)
                    if not chunk:
                        return
                    pending += chunk
                    while b"\n" in pending:
                        line, pending = pending.split(b"\n", 1)
                        if line.strip():
                            self.command(line.decode().strip())
            self.heartbeat()


def main():
    parser = argparse.ArgumentParser(description="fake mc0 broker for connector tests")
    parser.add_argument("--bind", default="tcp://127.0.0.1:0")
    parser.add_argument("--curve-secret-file")
    parser.add_argument("--message-before-first-sub-ok", action="store_true")
    parser.add_argument("--no-heartbeat", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    broker = FakeBroker(args)
    try:
        broker.run()
    finally:
        broker.sock.close(0)
        broker.ctx.term()


if __name__ == "__main__":
    main()
