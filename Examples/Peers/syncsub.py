"""syncsub on stock libzmq (pyzmq): subscribes to everything on tcp://localhost:5561, tells the
publisher it is ready with a REQ to tcp://localhost:5562 once its SUB's handshake is done (the
subscription is sent then), and counts updates until "END"."""
import zmq
from zmq.utils.monitor import recv_monitor_message

context = zmq.Context()
subscriber = context.socket(zmq.SUB)
subscriber.setsockopt(zmq.SUBSCRIBE, b"")
events = subscriber.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
subscriber.connect("tcp://localhost:5561")
recv_monitor_message(events)

sync = context.socket(zmq.REQ)
sync.connect("tcp://localhost:5562")
sync.send(b"")
sync.recv()

updates = 0
while subscriber.recv() != b"END":
    updates += 1
print("Received %d updates" % updates)
