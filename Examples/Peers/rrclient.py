"""rrclient on stock libzmq (pyzmq): a REQ client of tcp://localhost:5559 sending ten "Hello"s."""
import zmq

socket = zmq.Context().socket(zmq.REQ)
socket.connect("tcp://localhost:5559")
for request in range(10):
    socket.send_string("Hello")
    print("Received reply %d [%s]" % (request, socket.recv_string()))
socket.close()
