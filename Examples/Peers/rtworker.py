"""A worker of rtreq's or rtdealer's broker on stock libzmq (pyzmq): asks tcp://localhost:5671
for work ("Hi Boss") until it gets "Fired!", then prints how many tasks it did.
Usage: rtworker.py req|dealer  (the REQ worker of rtreq, or the DEALER worker of rtdealer,
which writes and reads the empty delimiter frame itself)"""
import sys
import zmq

dealer = sys.argv[1] == "dealer"
worker = zmq.Context().socket(zmq.DEALER if dealer else zmq.REQ)
worker.setsockopt(zmq.IDENTITY, b"PY-WORKER")
worker.connect("tcp://localhost:5671")
envelope = [b""] if dealer else []
total = 0
while True:
    worker.send_multipart(envelope + [b"Hi Boss"])
    if worker.recv_multipart()[-1] == b"Fired!":
        break
    total += 1
print("Completed: %d tasks" % total)
worker.close(linger=1000)
