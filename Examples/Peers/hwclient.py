"""hwclient on stock libzmq (pyzmq): sends ten "Hello"s to tcp://localhost:5555, one at a time."""
import zmq

socket = zmq.Context().socket(zmq.REQ)
socket.connect("tcp://localhost:5555")
for request in range(10):
    socket.send(b"Hello")
    print("Received reply %d [ %s ]" % (request, socket.recv().decode()))
socket.close()
