"""Paranoid Pirate worker on stock libzmq (pyzmq): a DEALER at tcp://localhost:5556 that sends
READY (1), heartbeats (2) every HEARTBEAT_MS and echoes each request ([client, "", body]).
Usage: ppworker.py [HEARTBEAT_MS]  (default 1000)"""
import time
import zmq
from guide_peer import argument, exit_on_interrupt

interval = argument(1, 1000) / 1000
context = zmq.Context()
exit_on_interrupt(context)
worker = context.socket(zmq.DEALER)
worker.connect("tcp://localhost:5556")
worker.send(b"\x01")
print("I: worker ready")
heartbeat_at = time.monotonic() + interval
while True:
    if worker.poll(int(interval * 1000), zmq.POLLIN):
        message = worker.recv_multipart()
        if len(message) == 3:
            print("I: normal reply")
            worker.send_multipart(message)
        elif message != [b"\x02"]:
            print("E: invalid message: %r" % message)
    if time.monotonic() >= heartbeat_at:
        worker.send(b"\x02")
        heartbeat_at = time.monotonic() + interval
