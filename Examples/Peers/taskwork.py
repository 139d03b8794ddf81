"""taskwork on stock libzmq (pyzmq): pulls tasks from tcp://localhost:5557, sleeps each one's
workload in milliseconds, pushes an empty result to tcp://localhost:5558; prints one line per
task ("task N"). With --kill it also exits at any message on tcp://localhost:5559 (taskwork2)."""
import sys
import time
import zmq
from guide_peer import exit_on_interrupt

context = zmq.Context()
exit_on_interrupt(context)
receiver = context.socket(zmq.PULL)
receiver.connect("tcp://localhost:5557")
sender = context.socket(zmq.PUSH)
sender.connect("tcp://localhost:5558")
poller = zmq.Poller()
poller.register(receiver, zmq.POLLIN)
controller = None
if "--kill" in sys.argv:
    controller = context.socket(zmq.SUB)
    controller.connect("tcp://localhost:5559")
    controller.setsockopt(zmq.SUBSCRIBE, b"")
    poller.register(controller, zmq.POLLIN)
while True:
    ready = dict(poller.poll())
    if receiver in ready:
        task = receiver.recv_string()
        print("task %s" % task)
        time.sleep(int(task) / 1000)
        sender.send(b"")
    if controller is not None and controller in ready:
        print("killed by %s" % controller.recv_string())
        break
context.destroy(linger=1000)
