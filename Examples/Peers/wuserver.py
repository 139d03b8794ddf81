"""wuserver on stock libzmq (pyzmq): publishes random "%05d %d %d" weather updates on
tcp://*:5556 until interrupted."""
import random
import zmq
from guide_peer import exit_on_interrupt

context = zmq.Context()
exit_on_interrupt(context)
socket = context.socket(zmq.PUB)
socket.bind("tcp://*:5556")
while True:
    zipcode = random.randrange(100000)
    temperature = random.randrange(215) - 80
    humidity = random.randrange(50) + 10
    socket.send_string("%05d %d %d" % (zipcode, temperature, humidity))
