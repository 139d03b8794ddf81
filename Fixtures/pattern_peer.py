#!/usr/bin/env python3
"""A scriptable libzmq peer (through pyzmq) for the socket-pattern interop tests.

One process holds any number of named sockets of any type and runs the commands a test writes
on stdin, one per line, so a single process serves several test cases. Every command gets
exactly one reply line on stdout, numbered by the command's position (1, 2, ...), so the test
can match replies to commands; socket events are extra lines starting with `EVENT`. Frames are
written in lowercase hex, `-` for an empty frame. Every wait is bounded; the process exits at the
end of stdin (or on `quit`). The contract is in Fixtures/README.md.
"""

import itertools
import os
import sys
import threading

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message

TYPES = {name: getattr(zmq, name) for name in
         ("PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB")}
# Options a test may set with `opt NAME OPTION VALUE` (integers) before bind/connect.
OPTIONS = {name: getattr(zmq, name) for name in
           ("LINGER", "SNDHWM", "RCVHWM", "REQ_RELAXED", "REQ_CORRELATE", "XPUB_VERBOSE", "XPUB_MANUAL",
            "RECONNECT_IVL", "IMMEDIATE", "ROUTER_MANDATORY", "SNDTIMEO", "RCVTIMEO")}
EVENTS = {zmq.EVENT_HANDSHAKE_SUCCEEDED: "HANDSHAKE_OK", zmq.EVENT_DISCONNECTED: "DISCONNECTED",
          zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "HANDSHAKE_FAILED",
          zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "HANDSHAKE_FAILED",
          zmq.EVENT_HANDSHAKE_FAILED_AUTH: "HANDSHAKE_FAILED"}

context = zmq.Context()
output = threading.Lock()
sockets = {}
zap = None
monitor_numbers = itertools.count()


def say(line):
    with output:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def frames_text(frames):
    return " ".join(f.hex() if f else "-" for f in frames)


def frames_of(words):
    return [b"" if w == "-" else bytes.fromhex(w) for w in words]


def watch(name, sock):
    """Prints the socket's handshake and disconnect events from a thread of its own. Each
    monitor gets an address of its own: pyzmq's default names it after the socket's file
    descriptor, which a later socket may reuse before the closed one's monitor is gone."""
    monitor = sock.get_monitor_socket(addr=f"inproc://pattern-peer-monitor-{next(monitor_numbers)}")

    def run():
        while True:
            try:
                event = recv_monitor_message(monitor)
            except zmq.ZMQError:
                return
            if event["event"] == zmq.EVENT_MONITOR_STOPPED:
                return
            if event["event"] in EVENTS:
                say(f"EVENT {name} {EVENTS[event['event']]}")

    threading.Thread(target=run, daemon=True).start()


def authenticator():
    """pyzmq's ZAP handler on a thread of its own, started by the first PLAIN server."""
    global zap
    if zap is None:
        zap = ThreadAuthenticator(context)
        zap.start()
    return zap


def create(name, kind, security):
    """`socket NAME TYPE [null | curve-server SECRET | curve-client SERVER_PUBLIC | plain-server USER PASS | plain-client USER PASS]`"""
    sock = context.socket(TYPES[kind])
    sock.setsockopt(zmq.LINGER, 0)
    mechanism = security[0] if security else "null"
    if mechanism == "curve-server":
        sock.curve_server = True
        sock.curve_secretkey = security[1].encode()
        sock.curve_publickey = zmq.curve_public(security[1].encode())
    elif mechanism == "curve-client":
        public, secret = zmq.curve_keypair()
        sock.curve_serverkey = security[1].encode()
        sock.curve_publickey = public
        sock.curve_secretkey = secret
    elif mechanism == "plain-server":
        # libzmq's PLAIN server needs a ZAP handler: pyzmq's, knowing this one user.
        authenticator().configure_plain(domain="*", passwords={security[1]: security[2]})
        sock.plain_server = True
    elif mechanism == "plain-client":
        sock.plain_username = security[1].encode()
        sock.plain_password = security[2].encode()
    elif mechanism != "null":
        raise ValueError(f"unknown security {mechanism}")
    sockets[name] = sock
    watch(name, sock)
    return "OK"


def receive(sock, timeout_ms):
    if sock.poll(timeout_ms, zmq.POLLIN):
        return "MSG " + frames_text(sock.recv_multipart())
    return "TIMEOUT"


def run(words):
    command, args = words[0], words[1:]
    if command == "socket":
        return create(args[0], args[1], args[2:])
    if command == "quit":
        raise SystemExit(0)
    sock = sockets[args[0]]
    if command == "opt":
        sock.setsockopt(OPTIONS[args[1]], int(args[2]))
        return "OK"
    if command == "bind":
        sock.bind(args[1])
        return "OK " + sock.getsockopt_string(zmq.LAST_ENDPOINT)
    if command == "connect":
        sock.connect(args[1])
        return "OK"
    if command == "disconnect":
        sock.disconnect(args[1])
        return "OK"
    if command == "sub":
        sock.setsockopt(zmq.SUBSCRIBE, frames_of(args[1:2])[0] if len(args) > 1 else b"")
        return "OK"
    if command == "unsub":
        sock.setsockopt(zmq.UNSUBSCRIBE, frames_of(args[1:2])[0] if len(args) > 1 else b"")
        return "OK"
    if command == "send":  # send NAME TIMEOUT_MS FRAME...
        if not sock.poll(int(args[1]), zmq.POLLOUT):
            return "TIMEOUT"
        sock.send_multipart(frames_of(args[2:]), zmq.NOBLOCK)
        return "OK"
    if command == "recv":  # recv NAME TIMEOUT_MS
        return receive(sock, int(args[1]))
    if command == "echo":  # echo NAME COUNT TIMEOUT_MS: answer COUNT messages with themselves
        for done in range(int(args[1])):
            if not sock.poll(int(args[2]), zmq.POLLIN):
                return f"TIMEOUT {done}"
            sock.send_multipart(sock.recv_multipart())
        return "OK"
    if command == "proxy":  # proxy FRONT BACK: zmq_proxy on a thread; both sockets belong to it
        backend = sockets.pop(args[1])
        del sockets[args[0]]
        threading.Thread(target=proxy, args=(sock, backend), daemon=True).start()
        return "OK"
    if command == "close":
        sockets.pop(args[0]).close()
        return "OK"
    raise ValueError(f"unknown command {command}")


def proxy(frontend, backend):
    try:
        zmq.proxy(frontend, backend)
    except zmq.ZMQError:
        pass


def main():
    number = 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        number += 1
        try:
            reply = run(words)
        except SystemExit:
            say(f"{number} OK")
            break
        except (zmq.ZMQError, KeyError, ValueError, IndexError) as error:
            reply = f"ERR {type(error).__name__}: {error}"
        say(f"{number} {reply}")
    # Sockets have linger 0: nothing to flush. A proxy thread may still hold two of them.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
