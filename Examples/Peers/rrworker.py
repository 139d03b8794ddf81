"""rrworker on stock libzmq (pyzmq): a REP worker connected to tcp://localhost:5560 that
answers every request with "World" at once, until interrupted."""
import zmq

socket = zmq.Context().socket(zmq.REP)
socket.connect("tcp://localhost:5560")
try:
    while True:
        print("Received request: [%s]" % socket.recv_string())
        socket.send_string("World")
except KeyboardInterrupt:
    socket.close(linger=0)
