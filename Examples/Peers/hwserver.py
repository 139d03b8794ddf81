"""hwserver on stock libzmq (pyzmq): answers each request on tcp://*:5555 with "World".
Usage: hwserver.py [COUNT]  (answers COUNT requests, default 10, then exits)"""
import zmq
from guide_peer import argument

count = argument(1, 10)
socket = zmq.Context().socket(zmq.REP)
socket.bind("tcp://*:5555")
for _ in range(count):
    print("Received request: %s" % socket.recv().decode())
    socket.send(b"World")
socket.close(linger=1000)
