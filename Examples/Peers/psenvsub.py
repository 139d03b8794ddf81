"""psenvsub on stock libzmq (pyzmq): subscribes to the envelope "B" on tcp://localhost:5563 and
prints COUNT two-part messages as "[envelope] content".
Usage: psenvsub.py [COUNT]  (default 3)"""
import zmq
from guide_peer import argument

count = argument(1, 3)
subscriber = zmq.Context().socket(zmq.SUB)
subscriber.setsockopt(zmq.SUBSCRIBE, b"B")
subscriber.connect("tcp://localhost:5563")
for _ in range(count):
    envelope, content = subscriber.recv_multipart()
    print("[%s] %s" % (envelope.decode(), content.decode()))
