"""Majordomo (MDP/0.1) client on stock libzmq (pyzmq): asks the broker at tcp://localhost:5555
whether the "echo" and "nosuch" services exist (mmi.service), then sends COUNT requests to "echo".
Usage: mdclient.py [COUNT]  (default 10)"""
import zmq
from guide_peer import argument

count = argument(1, 10)
client = zmq.Context().socket(zmq.REQ)
client.setsockopt(zmq.RCVTIMEO, 10000)
client.connect("tcp://localhost:5555")


def request(service, body):
    client.send_multipart([b"MDPC01", service, body])
    header, reply_service, *reply = client.recv_multipart()
    assert header == b"MDPC01" and reply_service == service, (header, reply_service)
    return reply


for name in (b"echo", b"nosuch"):
    print("mmi.service %s: %s" % (name.decode(), request(b"mmi.service", name)[0].decode()))
for n in range(count):
    reply = request(b"echo", b"Hello %d" % n)
    print("reply: %s" % b" ".join(reply).decode())
client.close()
