"""What the pyzmq peers share: their optional numeric arguments, and the end on Ctrl-C."""
import signal
import sys


def argument(index, default):
    """The peer's argument number `index` (from 1) as an int, or `default` when it has fewer."""
    return int(sys.argv[index]) if len(sys.argv) > index else default


def exit_on_interrupt(context):
    """Makes Ctrl-C (SIGINT, which the tests send to the peers still running at their end) drop
    what `context`'s sockets still queue and exit with status 0, as the guide's examples end."""
    def stop(signum, frame):
        context.destroy(linger=0)
        sys.exit(0)
    signal.signal(signal.SIGINT, stop)
