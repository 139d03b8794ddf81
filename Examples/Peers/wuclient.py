"""wuclient on stock libzmq (pyzmq): averages the temperature of 100 updates for one zipcode.
Usage: wuclient.py [FILTER [ENDPOINT]]  ("10001 " and tcp://localhost:5556 by default)"""
import sys
import zmq

filter = sys.argv[1] if len(sys.argv) > 1 else "10001 "
endpoint = sys.argv[2] if len(sys.argv) > 2 else "tcp://localhost:5556"
socket = zmq.Context().socket(zmq.SUB)
socket.connect(endpoint)
socket.setsockopt_string(zmq.SUBSCRIBE, filter)
total = 0
for _ in range(100):
    zipcode, temperature, humidity = socket.recv_string().split()
    assert zipcode.startswith(filter.strip()), zipcode
    total += int(temperature)
print("Average temperature for zipcode '%s' was %dF" % (filter, int(total / 100)))
socket.close()
