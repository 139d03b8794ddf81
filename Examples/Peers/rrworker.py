"""rrworker on stock libzmq (pyzmq): a REP worker connected to tcp://localhost:5560 that
answers every request with "World" at once, until interrupted."""
import zmq
from guide_peer import exit_on_interrupt

context = zmq.Context()
exit_on_interrupt(context)
socket = context.socket(zmq.REP)
socket.connect("tcp://localhost:5560")
while True:
    print("Received request: [%s]" % socket.recv_string())
    socket.send_string("World")
