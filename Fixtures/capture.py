#!/usr/bin/env python3
"""Captures the bytes a real libzmq peer (pyzmq's bundled libzmq) puts on the wire, for the
byte-vector tests. A raw Python socket plays the other side. Rerun to refresh captures/:
    python3 Fixtures/capture.py
"""
import os
import socket
import time

import zmq

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "captures")


def greeting(mechanism=b"NULL"):
    g = bytearray(64)
    g[0] = 0xFF
    g[8] = 1
    g[9] = 0x7F
    g[10] = 3
    g[11] = 1
    g[12:12 + len(mechanism)] = mechanism
    return bytes(g)


def ready(socket_type):
    props = bytes([11]) + b"Socket-Type" + len(socket_type).to_bytes(4, "big") + socket_type
    if socket_type in (b"DEALER", b"ROUTER"):
        props += bytes([8]) + b"Identity" + (0).to_bytes(4, "big")
    body = bytes([5]) + b"READY" + props
    return bytes([0x04, len(body)]) + body


def read_exact(conn, n):
    data = b""
    conn.settimeout(5)
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError(f"peer closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def frame(conn):
    """Reads one whole frame and returns its wire bytes."""
    head = read_exact(conn, 2)
    if head[0] & 0x02:
        rest = read_exact(conn, 7)
        size = int.from_bytes(head[1:] + rest, "big")
        return head + rest + read_exact(conn, size)
    return head + read_exact(conn, head[1])


def save(name, data):
    with open(os.path.join(OUT, name + ".hex"), "w") as f:
        f.write(data.hex() + "\n")


def listen():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    return srv, f"tcp://127.0.0.1:{srv.getsockname()[1]}"


def capture_null_dealer(ctx):
    srv, ep = listen()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.HEARTBEAT_IVL, 100)
    s.setsockopt(zmq.HEARTBEAT_TTL, 1500)
    s.connect(ep)
    conn, _ = srv.accept()
    conn.sendall(greeting())
    save("libzmq_dealer_greeting", read_exact(conn, 64))
    conn.sendall(ready(b"ROUTER"))
    save("libzmq_dealer_ready", frame(conn))
    s.send_multipart([b"", b"hello"])
    msg = frame(conn) + frame(conn)
    save("libzmq_dealer_message", msg)
    ping = frame(conn)
    while ping[2:7] != b"\x04PING":
        ping = frame(conn)
    save("libzmq_dealer_ping", ping)
    s.close()
    conn.close()
    srv.close()


def capture_curve_hello(ctx):
    server_public, server_secret = zmq.curve_keypair()
    client_public, client_secret = zmq.curve_keypair()
    srv, ep = listen()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.curve_serverkey = server_public
    s.curve_publickey = client_public
    s.curve_secretkey = client_secret
    s.connect(ep)
    conn, _ = srv.accept()
    conn.sendall(greeting(b"CURVE"))
    save("libzmq_curve_client_greeting", read_exact(conn, 64))
    save("libzmq_curve_hello", frame(conn))
    with open(os.path.join(OUT, "libzmq_curve_hello.keys"), "w") as f:
        f.write(f"server_public {server_public.decode()}\nserver_secret {server_secret.decode()}\n")
        f.write(f"client_public {client_public.decode()}\n")
    s.close()
    conn.close()
    srv.close()


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    ctx = zmq.Context()
    capture_null_dealer(ctx)
    capture_curve_hello(ctx)
    ctx.term()
    print("captured into", OUT)
