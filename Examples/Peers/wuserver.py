"""wuserver on stock libzmq (pyzmq): publishes random "%05d %d %d" weather updates on
tcp://*:5556 until interrupted."""
import random
import zmq

socket = zmq.Context().socket(zmq.PUB)
socket.bind("tcp://*:5556")
try:
    while True:
        zipcode = random.randrange(100000)
        temperature = random.randrange(215) - 80
        humidity = random.randrange(50) + 10
        socket.send_string("%05d %d %d" % (zipcode, temperature, humidity))
except KeyboardInterrupt:
    socket.close(linger=0)
