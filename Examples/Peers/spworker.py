"""Simple Pirate worker on stock libzmq (pyzmq): a REQ at tcp://localhost:5556 that sends READY
(one byte, 1), then echoes each request.
Usage: spworker.py NAME  (NAME is its identity, in its log lines)"""
import sys
import zmq

name = sys.argv[1]
worker = zmq.Context().socket(zmq.REQ)
worker.setsockopt(zmq.IDENTITY, name.encode())
worker.connect("tcp://localhost:5556")
print("I: (%s) worker ready" % name)
worker.send(b"\x01")
while True:
    request = worker.recv_multipart()
    print("I: (%s) normal reply" % name)
    worker.send_multipart(request)
