"""A client of asyncsrv on stock libzmq (pyzmq): a DEALER on tcp://localhost:5570 that sends
"request #1" to "request #COUNT" and prints the first reply (the server answers each request
zero to four times, echoing it).
Usage: asyncclient.py [COUNT]  (default 10)"""
import zmq
from guide_peer import argument

count = argument(1, 10)
client = zmq.Context().socket(zmq.DEALER)
client.setsockopt(zmq.IDENTITY, b"PY-CLIENT")
client.connect("tcp://localhost:5570")
for request in range(1, count + 1):
    client.send(b"request #%d" % request)
print("Received: %s" % client.recv().decode())
client.close(linger=0)
