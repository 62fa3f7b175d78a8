"""Deadlines for tests that wait on another process, a thread or a server: long enough on a busy
machine, and still finite, so that a hang fails the test instead of stopping the suite.

A test never asserts how fast something ran (speed is measured in bench/, side by side). Where it
must wait, or check that a call gave up instead of hanging, it allows `scaled(seconds)`: the time the
wait takes on a quiet machine, with a margin, times how much busier than its cores the machine is
now (the load average over the last minute per core, at least 1).
"""

import os


def load_factor():
    """How many times more work than cores the machine has now (1 when it is not overloaded)."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # not measurable here (some containers): assume a quiet machine
        return 1.0
    return max(1.0, load / (os.cpu_count() or 1))


def scaled(seconds):
    """`seconds` on a quiet machine, stretched by the machine's present load."""
    return seconds * load_factor()
