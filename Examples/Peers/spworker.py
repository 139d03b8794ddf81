"""Simple Pirate worker on stock libzmq (pyzmq): a REQ at tcp://localhost:5556 that sends READY
(one byte, 1), then echoes each request.
Usage: spworker.py NAME  (NAME is its identity, in its log lines)"""
import sys
import zmq
from guide_peer import exit_on_interrupt

name = sys.argv[1]
context = zmq.Context()
exit_on_interrupt(context)
worker = context.socket(zmq.REQ)
worker.setsockopt(zmq.IDENTITY, name.encode())
worker.connect("tcp://localhost:5556")
print("I: (%s) worker ready" % name)
worker.send(b"\x01")
while True:
    request = worker.recv_multipart()
    print("I: (%s) normal reply" % name)
    worker.send_multipart(request)
