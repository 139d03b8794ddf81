#!/usr/bin/env python3
"""One pyzmq socket for the pattern smoke tests (Tests/ZMTPTests/InteropPatternSmokeTests.swift).

usage: pattern_smoke.py TYPE (bind|connect) ENDPOINT MODE [ARG...]
  MODE recv [PREFIX...]  subscribe to each PREFIX (SUB), print "GOT <hex frame>..." per message
  MODE echo              as recv, and send each message back (REP, PAIR)
  MODE send FRAME...     send the message every 10 ms (ASCII frames) until killed
  MODE request FRAME...  send the message once, print the reply as recv does (REQ)
Prints "ENDPOINT <endpoint>" once bound or connected. Exits when stdin closes, or after 30 s.
"""

import sys
import time

import zmq


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def show(frames):
    say("GOT " + " ".join(frame.hex() or "-" for frame in frames))


def main():
    kind, how, endpoint, mode, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    context = zmq.Context()
    socket = context.socket(getattr(zmq, kind))
    socket.linger = 0
    if how == "bind":
        socket.bind(endpoint)
        endpoint = socket.getsockopt_string(zmq.LAST_ENDPOINT)
    else:
        socket.connect(endpoint)
    say("ENDPOINT " + endpoint)
    deadline = time.monotonic() + 30
    frames = [a.encode() for a in args]
    if kind == "SUB":
        for prefix in frames:
            socket.setsockopt(zmq.SUBSCRIBE, prefix)
    if mode == "request":
        socket.send_multipart(frames)
    poller = zmq.Poller()
    poller.register(socket, zmq.POLLIN)
    poller.register(sys.stdin.fileno(), zmq.POLLIN)
    while time.monotonic() < deadline:
        if mode == "send":
            socket.send_multipart(frames)
        ready = dict(poller.poll(10))
        if sys.stdin.fileno() in ready and not sys.stdin.buffer.read1(4096):
            return
        if socket in ready:
            message = socket.recv_multipart()
            show(message)
            if mode == "echo":
                socket.send_multipart(message)

if __name__ == "__main__":
    main()
