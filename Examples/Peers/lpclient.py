"""Lazy Pirate client on stock libzmq (pyzmq): COUNT requests "1", "2", ... to tcp://localhost:5555,
each sent up to RETRIES times on a fresh REQ socket when no reply comes within TIMEOUT_MS.
Usage: lpclient.py [COUNT [TIMEOUT_MS [RETRIES]]]  (defaults 10, 2500, 3)"""
import sys
import zmq
from guide_peer import argument

count, timeout, retries = argument(1, 10), argument(2, 2500), argument(3, 3)
context = zmq.Context()


def connect():
    socket = context.socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect("tcp://localhost:5555")
    return socket


client = connect()
for sequence in range(1, count + 1):
    request = str(sequence).encode()
    for attempt in range(retries):
        if attempt:
            print("W: no response from server, retrying...")
            client.close()
            client = connect()
        client.send(request)
        if client.poll(timeout, zmq.POLLIN):
            reply = client.recv()
            assert reply == request, reply
            print("I: server replied OK (%d)" % sequence)
            break
    else:
        print("E: server seems to be offline, abandoning")
        sys.exit(1)
client.close()
