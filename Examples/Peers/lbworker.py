"""A worker of lbbroker on stock libzmq (pyzmq): a REQ on ipc://backend.ipc that says READY,
then answers COUNT requests [client, "", request] with [client, "", "OK"].
Usage: lbworker.py [COUNT]  (default 10)"""
import zmq
from guide_peer import argument

count = argument(1, 10)
worker = zmq.Context().socket(zmq.REQ)
worker.setsockopt(zmq.IDENTITY, b"Worker-py")
worker.connect("ipc://backend.ipc")
worker.send(b"READY")
for _ in range(count):
    client, empty, request = worker.recv_multipart()
    print("Worker-py: %s" % request.decode())
    worker.send_multipart([client, b"", b"OK"])
worker.close(linger=1000)
