#!/usr/bin/env python3
"""A pyzmq (libzmq 4.3.5) PLAIN peer for the PLAIN interop tests.

    plain_peer.py server --user NAME:PASSWORD [--user ...]
        A PLAIN ROUTER on tcp://127.0.0.1:<ephemeral> whose credentials are checked by pyzmq's
        ZAP handler (zmq.auth.thread.ThreadAuthenticator, configure_plain). Prints
        `ENDPOINT <endpoint>`, then for each message `MESSAGE user=<User-Id> address=<Peer-Address>
        <frames joined by |>` and echoes it. Handshake failures print `HANDSHAKE_FAILED <event> <value>`.
        Exits when stdin closes.

    plain_peer.py client --connect ENDPOINT --user NAME:PASSWORD [--timeout-ms MS]
        A PLAIN DEALER: sends `ping`, waits for its echo. Prints `OK` and exits 0 when it comes back;
        on a handshake failure prints `HANDSHAKE_FAILED <event> <value>` (the value of
        EVENT_HANDSHAKE_FAILED_AUTH is the server's status, e.g. 400) and exits 1; `TIMEOUT` and 1
        when nothing came back in time.
"""

import argparse
import sys
import threading

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message

FAILURES = {
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "EVENT_HANDSHAKE_FAILED_NO_DETAIL",
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "EVENT_HANDSHAKE_FAILED_PROTOCOL",
    zmq.EVENT_HANDSHAKE_FAILED_AUTH: "EVENT_HANDSHAKE_FAILED_AUTH",
}


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def credentials(text):
    name, _, password = text.partition(":")
    return name, password


def report_failures(monitor, stop):
    while not stop.is_set():
        if not monitor.poll(100):
            continue
        event = recv_monitor_message(monitor)
        if event["event"] in FAILURES:
            say(f"HANDSHAKE_FAILED {FAILURES[event['event']]} {event['value']}")


def server(args, ctx):
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_plain(domain="*", passwords=dict(credentials(u) for u in args.user))
    sock = ctx.socket(zmq.ROUTER)
    sock.linger = 0
    sock.plain_server = True
    monitor = sock.get_monitor_socket()
    stop = threading.Event()
    threading.Thread(target=report_failures, args=(monitor, stop), daemon=True).start()
    sock.bind("tcp://127.0.0.1:0")
    say("ENDPOINT " + sock.getsockopt_string(zmq.LAST_ENDPOINT))
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.is_set():
        if not sock.poll(100):
            continue
        frames = sock.recv_multipart(copy=False)
        user = frames[-1].get("User-Id")
        address = frames[-1].get("Peer-Address")
        say(f"MESSAGE user={user} address={address} " + "|".join(f.bytes.decode() for f in frames[1:]))
        sock.send_multipart([f.bytes for f in frames])
    auth.stop()
    return 0


def client(args, ctx):
    name, password = credentials(args.user[-1])
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.plain_username = name.encode()
    sock.plain_password = password.encode()
    monitor = sock.get_monitor_socket()
    stop = threading.Event()
    threading.Thread(target=report_failures, args=(monitor, stop), daemon=True).start()
    sock.connect(args.connect)
    sock.send(b"ping")
    if sock.poll(args.timeout_ms) and sock.recv() == b"ping":
        say("OK")
        return 0
    say("TIMEOUT")
    return 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--user", action="append", required=True)
    parser.add_argument("--connect")
    parser.add_argument("--timeout-ms", type=int, default=5000)
    args = parser.parse_args()
    ctx = zmq.Context()
    status = server(args, ctx) if args.mode == "server" else client(args, ctx)
    sys.stdout.flush()
    # A daemon thread may still hold the monitor socket: leave without waiting for the context.
    import os
    os._exit(status)


if __name__ == "__main__":
    main()
